from guidecast.cli import main

main()
