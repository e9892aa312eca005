"""Russian (вы, as health guidance in Russian speaks to an adult). Numbers agree with their
noun in gender and case, nouns take one of three plural forms (одна минута, две минуты, пять
минут); "из" takes the genitive, "длится" the accusative."""

from guidecast.language.numbers import ACCUSATIVE, GENITIVE
from guidecast.language.spec import Language, Unit

LANGUAGE = Language(
    code="ru",
    name="русский",
    numbers="ru",
    voice="zle/ru",
    iso639_2="rus",
    plural_rule="slavic",
    templates={
        "side": "Теперь {side}.",
        "round": "Круг {round} из {rounds}.",
        "halfway": "Половина позади.",
        "time_left": "Ещё {time}.",
        "next_up": "Дальше: {title}.",
        "session_length": "Это занятие длится примерно {time}.",
        "finished": "Отлично. Занятие окончено.",
        "waiting": "Не торопитесь. Когда закончите, нажмите пробел.",
        "waiting_listen": "Не торопитесь. Когда закончите, скажите done или нажмите пробел.",
    },
    cases={("round", "rounds"): GENITIVE, ("session_length", "time"): ACCUSATIVE},
    units={
        "hour": Unit(("час", "часа", "часов")),
        "minute": Unit(
            ("минута", "минуты", "минут"), "f", accusative=("минуту", "минуты", "минут")
        ),
        "second": Unit(
            ("секунда", "секунды", "секунд"), "f", accusative=("секунду", "секунды", "секунд")
        ),
    },
    and_word="и",
    interface={
        "introduction": "Вступление",
        "closing": "Завершение",
        "round_of": "круг {round} из {rounds}",
        "rounds_all": "кругов: {rounds}",  # "кругов: 22" needs no plural form for the number
        "rounds_span": "круги {first}–{last} из {rounds}",
        "more_steps": "и ещё шагов: {count}",
        "step_of": "шаг {step} из {steps}",
        "before_you_start": "Перед началом",
        "to_finish": "Завершение",
        "finished": "Готово",
        "until_first_step": "до первого шага",
        "left_in_step": "до конца шага",
        "to_the_end": "до конца",
        "after_the_words": "на этот шаг, после слов",
        "pause_before_next": "пауза перед следующим шагом",
        "next": "Дальше: {title}",
        "next_the_end": "Дальше: конец",
        "session_left": "занятие: осталось {time}",
        "session_about_left": "занятие: осталось около {time}",
        "playing": "идёт",
        "paused": "пауза",
        "saying_again": "повтор",
        "preparing": "готовится речь",
        "waiting_keys": "ожидание: нажмите пробел или n, когда закончите",
        "waiting_voice": "ожидание: скажите done или нажмите пробел или n",
        "so_far": "прошло на этом шаге",
        "keys_help": "пробел пауза · n дальше · p назад · r повтор · f к концу · q выход",
        "skip_to_steps": "К списку шагов",
        "player": "Плеер",
        "left_in_session": "до конца занятия",
        "position": "Позиция в занятии",
        "position_of": "{elapsed} из {total}",
        "playback": "Управление",
        "previous": "Назад",
        "play": "Воспроизвести",
        "pause": "Пауза",
        "next_button": "Дальше",
        "needs_javascript": "Для этого плеера нужен JavaScript. Аудиофайл можно включить и "
        "отдельно:",
        "audio_file": "аудиофайл",
        "shortcuts": "Клавиши",
        "or": "или",
        "play_or_pause": "Воспроизвести или поставить на паузу",
        "next_step": "Следующий шаг",
        "previous_step": "Предыдущий шаг",
        "jump_to_current": "Перейти к текущему шагу в списке",
        "space_key": "Пробел",
        "enter_key": "Enter",
        "steps": "Шаги",
        "now": "Сейчас",
        "until_done": "до готовности: поставьте паузу, если нужно больше времени",
        "starts_lasts": "Начало в {start}, длительность {length}.",
        "cannot_play": "Не удаётся воспроизвести аудио {audio}. Держите его в той же папке, что "
        "и эту страницу, под тем же именем.",
        "wake_on": "Пока идёт занятие, экран не гаснет.",
        "wake_off": "Этот браузер может выключить экран во время занятия; звук продолжится.",
        "minute_forms": "минута|минуты|минут",
        "second_forms": "секунда|секунды|секунд",
    },
)
