"""`guidecast serve`: the library, pacing, builds and the player in a phone's browser (Starlette on
uvicorn). It sits on top of the stages, beside the command line."""
