"""English: the cue words, and the words around the speech (the other languages follow these)."""

from guidecast.language.spec import Language, Unit

LANGUAGE = Language(
    code="en",
    name="English",
    numbers="en",
    voice="gmw/en-us",
    iso639_2="eng",
    regions={"en-gb": ("en", "gmw/en")},
    templates={
        "side": "Now, your {side}.",
        "round": "Round {round} of {rounds}.",
        "halfway": "Halfway.",
        "time_left": "{time} left.",
        "next_up": "Next up: {title}.",
        "session_length": "This session takes about {time}.",
        "finished": "Well done. The session is complete.",
        "waiting": "Take your time. When you are ready, press space.",
        "waiting_listen": "Take your time. When you are ready, say done, or press space.",
    },
    units={
        "hour": Unit(("hour", "hours")),
        "minute": Unit(("minute", "minutes")),
        "second": Unit(("second", "seconds")),
    },
    and_word="",  # "two minutes thirty seconds"
    interface={
        # Chapters, split tracks, the cover
        "introduction": "Introduction",
        "closing": "Closing",
        "round_of": "round {round} of {rounds}",
        "rounds_all": "{rounds} rounds",  # a rounds block as one chapter
        "rounds_span": "rounds {first} to {last} of {rounds}",  # a chapter of some of its rounds
        "more_steps": "and {count} more steps",
        # Every surface's numbering (timeline/structure.py): "step 3 of 7, round 2 of 22".
        # step_of and round_of are written as mid-sentence; a label capitalizes its first letter.
        "step_of": "step {step} of {steps}",
        # The player page and the terminal view
        "before_you_start": "Before you start",
        "to_finish": "To finish",
        "finished": "Finished",
        "until_first_step": "until the first step",
        "left_in_step": "left in this step",
        "to_the_end": "to the end",
        "after_the_words": "for this step, after the words",
        "pause_before_next": "pause before the next step",
        "next": "Next: {title}",
        "next_the_end": "Next: the end",
        "session_left": "session: {time} left",
        "session_about_left": "session: about {time} left",
        "playing": "playing",
        "paused": "paused",
        "saying_again": "saying it again",
        "preparing": "preparing speech",
        "waiting_keys": "waiting: press space or n when done",
        "waiting_voice": "waiting: say done, or press space or n",
        "so_far": "in this step so far",
        "keys_help": "space pause · n next · p previous · r repeat · f finish · q quit",
        # The player page only
        "skip_to_steps": "Skip to the step list",
        "player": "Player",
        "left_in_session": "left in the session",
        "position": "Position in the session",
        "position_of": "{elapsed} of {total}",
        "playback": "Playback",
        "previous": "Previous",
        "play": "Play",
        "pause": "Pause",
        "next_button": "Next",
        "needs_javascript": "This player needs JavaScript. You can still play the audio file "
        "on its own:",
        "audio_file": "audio file",
        "shortcuts": "Keyboard shortcuts",
        "or": "or",
        "play_or_pause": "Play or pause",
        "next_step": "Next step",
        "previous_step": "Previous step",
        "jump_to_current": "Jump to the step you are on in the list",
        "space_key": "Space",
        "enter_key": "Enter",
        "steps": "Steps",
        "now": "Now",
        "until_done": "until done: pause if you need longer",
        "starts_lasts": "Starts at {start}, lasts {length}.",
        "cannot_play": "The audio {audio} cannot be played. Keep it in the same folder as this "
        "page, under the same name.",
        "wake_on": "The screen stays on while the session plays.",
        "wake_off": "This browser may turn the screen off while the session plays; the audio "
        "goes on.",
        "minute_forms": "minute|minutes",
        "second_forms": "second|seconds",
    },
)
