"""The datamime web app: from a small sample to a downloadable synthetic dataset, no code.

Start it with ``datamime app`` (or ``streamlit run datamime/app/main.py``). One page, one
module per section:

* :mod:`~datamime.app.upload` -- sidebar **Data**: upload a CSV / Excel / Parquet table (or
  use the built-in example); the column roles are pre-filled by the scripts' guess (the
  fewest identifying columns) and can be corrected;
* :mod:`~datamime.app.explore` -- **Data exploration**: every series as small multiples,
  titled and filtered by its identifying values, the daily profile, and a summary table;
* :mod:`~datamime.app.train` -- **Train**: a model and a training budget, a progress bar,
  the loss curve;
* :mod:`~datamime.app.generate` -- **New data settings** (whole numbers, never negative,
  the date range), **What the sample cannot show** (month and weekday factors, public
  holidays, :mod:`datamime.knowledge`) and the draw;
* :mod:`~datamime.app.result` -- **Result**: a preview, real vs generated plots, the
  evaluation in plain words, and downloads (the table as CSV in the sample's own format or
  Parquet, with the sample's other columns carried along, the trained model);
* :mod:`~datamime.app.main` -- the page, the sections in order; :mod:`~datamime.app.common`
  -- what they share.

Everything goes through :class:`datamime.Synthesizer` on a temporary copy of the file, so
separators, decimal commas, date formats and the columns fixed within each series are
handled exactly as by the scripts. Fitted models are kept in the session, keyed by a hash
of (file, roles, model, budget, seed): changing an output setting never retrains. The
helpers outside the section functions hold no Streamlit state and are tested directly;
they are gathered here.
"""

from datamime.app.common import (
                                 APP_TITLE,
                                 FREQ_NAMES,
                                 digest,
                                 figure_png,
                                 freq_name,
                                 series_labels,
                                 settings_key,
                                 short_error,
)
from datamime.app.explore import (
                                 SERIES_PER_PAGE,
                                 filter_series,
                                 overview,
                                 profile,
                                 profile_figure,
                                 series_summary,
                                 small_multiples,
)
from datamime.app.generate import MAX_ROWS, RANGE_DATES, RANGE_STEPS, model_zip, table_bytes
from datamime.app.result import describe_evaluation, metrics_table
from datamime.app.train import (
                                 DEEP_MODELS,
                                 MODEL_LABELS,
                                 make_synthesizer,
                                 progress_callback,
)
from datamime.app.upload import (
                                 EXAMPLE_NAME,
                                 SOURCE_EXAMPLE,
                                 SOURCE_UPLOAD,
                                 UPLOAD_MAX_AGE_S,
                                 UPLOAD_MAX_MB,
                                 UPLOAD_TYPES,
                                 check_upload,
                                 example_bytes,
                                 forget_old_uploads,
                                 materialise,
                                 suggest_roles,
                                 upload_root,
)

__all__ = [
    "APP_TITLE", "DEEP_MODELS", "EXAMPLE_NAME", "FREQ_NAMES", "MAX_ROWS", "MODEL_LABELS",
    "RANGE_DATES", "RANGE_STEPS", "SERIES_PER_PAGE", "SOURCE_EXAMPLE", "SOURCE_UPLOAD",
    "UPLOAD_MAX_AGE_S", "UPLOAD_MAX_MB", "UPLOAD_TYPES", "check_upload", "describe_evaluation",
    "digest", "example_bytes", "figure_png", "filter_series", "forget_old_uploads", "freq_name",
    "make_synthesizer", "materialise", "metrics_table", "model_zip", "overview", "profile",
    "profile_figure", "progress_callback", "series_labels", "series_summary", "settings_key",
    "short_error", "small_multiples", "suggest_roles", "table_bytes", "upload_root",
]
