"""spaCy components. Importing this package registers the factories."""

from .classifier import ModeClassifier
from .context import ContextQualifier
from .discourse import DiscourseSignals
from .markers import MarkerMatcher
from .profile import DimensionProfile

__all__ = [
    "ContextQualifier",
    "DimensionProfile",
    "DiscourseSignals",
    "MarkerMatcher",
    "ModeClassifier",
]
