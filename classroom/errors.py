"""The two things a class can be told when something does not happen: a refusal that says what to do, and
an outage that says nothing is lost. Never a traceback, SQL, parameters, a host or a port."""


class ClassroomError(ValueError):
    """Wrong code, forged token, an answer not on offer, a nickname refused, a setting out of range..."""


class ClassroomUnavailable(ClassroomError):
    """The database did not answer (stopped, restarting, unreachable, busy past its timeout).

    A subclass of ClassroomError, so a screen that only knows refusals still shows a sentence, not a
    traceback; screens that know better keep what was asked and try again by themselves.
    """

    def __init__(self, message: str = "The class's database is not answering right now. Nothing is lost: "
                                      "this screen tries again by itself.") -> None:
        super().__init__(message)
