"""The one output stage: generated ``[T, G]`` values to the rows a user gets.

Every way of getting data out (``Synthesizer.sample`` and ``sample_to``,
``scripts/sample.py``, ``scripts/sample_parallel.py`` / :mod:`datamime.parallel`, the
app) goes through these modules, so they all give the same rows:

- :mod:`~datamime.output.rules`: the output rules of each value column (whole numbers,
  never negative, decimals), resolved from the sample and the user's options;
- :mod:`~datamime.output.layout`: :class:`Generated`, the drawn values and how they are
  laid out (local clock times, closed hours dropped, wide or long, new series), as one
  table or as blocks of rows;
- :mod:`~datamime.output.writers`: CSV, Parquet (streamed in row groups) and Excel,
  given an :class:`OutputFormat` (how the sample was written) rather than a Schema;
- :mod:`~datamime.output.checks`: the privacy check and the formula-cell note.
"""

from datamime.output.layout import Generated, Layout
from datamime.output.writers import OutputFormat, write

__all__ = ["Generated", "Layout", "OutputFormat", "write"]
