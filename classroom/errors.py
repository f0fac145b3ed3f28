"""The one error a class sees: a refusal with a message saying what to do, never a traceback."""


class ClassroomError(ValueError):
    """Wrong code, forged token, an answer not on offer, a nickname refused, a setting out of range..."""
