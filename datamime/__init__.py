"""datamime: turn a small sample of time series into as much look-alike data as you need."""

from datamime.errors import DataError, DatamimeError, ModelError, SamplingError
from datamime.synthesizer import MODELS, Synthesizer, make_generator

__version__ = "0.1.0"
__all__ = ["Synthesizer", "make_generator", "MODELS", "DatamimeError", "DataError",
           "ModelError", "SamplingError", "__version__"]
