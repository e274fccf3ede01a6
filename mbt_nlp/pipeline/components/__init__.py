"""spaCy components. Importing this package registers the factories."""

from mbt_nlp.pipeline.components.classifier import ModeClassifier
from mbt_nlp.pipeline.components.context import ContextQualifier
from mbt_nlp.pipeline.components.discourse import DiscourseSignals
from mbt_nlp.pipeline.components.intervention import InterventionClassifier
from mbt_nlp.pipeline.components.markers import MarkerMatcher
from mbt_nlp.pipeline.components.own_codes import OwnCodeClassifier
from mbt_nlp.pipeline.components.profile import DimensionProfile
from mbt_nlp.pipeline.components.risk import RiskWords

__all__ = [
    "ContextQualifier",
    "DimensionProfile",
    "DiscourseSignals",
    "InterventionClassifier",
    "MarkerMatcher",
    "ModeClassifier",
    "OwnCodeClassifier",
    "RiskWords",
]
