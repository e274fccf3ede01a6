"""spaCy's error-handler protocol for plain (non-trainable) components.

TrainablePipe has `get_error_handler`/`set_error_handler`; `nlp.set_error_handler`
calls them on every component, so the components that route their own errors
(markers, risk words) share this one copy, with spaCy's own default handler.
"""

from __future__ import annotations

from spacy.util import raise_error


class ErrorHandling:
    def get_error_handler(self):
        return getattr(self, "_error_handler", raise_error)

    def set_error_handler(self, error_handler) -> None:
        self._error_handler = error_handler
