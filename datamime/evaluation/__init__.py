"""Scoring generated data against the sample it imitates.

- :mod:`~datamime.evaluation.stats`: gap-tolerant statistics of ``[T, G]`` arrays
  (scales, phase profiles, autocorrelation, correlation);
- :mod:`~datamime.evaluation.windowed`: scores on windows of standardised values
  (classifier, forecaster, distance to the closest real window);
- :mod:`~datamime.evaluation.metrics`: :func:`~datamime.evaluation.metrics.evaluate`,
  every metric in one JSON-able dict;
- :mod:`~datamime.evaluation.figures` and :mod:`~datamime.evaluation.report`: the
  figures and the ``report.md`` / ``metrics.json`` written from them.
"""
