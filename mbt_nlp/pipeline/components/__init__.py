"""spaCy components. Importing this package registers the factories."""

from mbt_nlp.pipeline.components.classifier import ModeClassifier
from mbt_nlp.pipeline.components.context import ContextQualifier
from mbt_nlp.pipeline.components.discourse import DiscourseSignals
from mbt_nlp.pipeline.components.markers import MarkerMatcher
from mbt_nlp.pipeline.components.profile import DimensionProfile

__all__ = [
    "ContextQualifier",
    "DimensionProfile",
    "DiscourseSignals",
    "MarkerMatcher",
    "ModeClassifier",
]
