"""The :class:`Schema` of a learned sample and the :class:`Roles` of its columns.

Both are plain data: :func:`~datamime.data.prepare.prepare` fills them in, the model
files keep the schema as JSON, and the output stage reads it back to write data shaped
like the sample.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from datamime.errors import DataError


@dataclass
class Schema:
    """Everything needed to read, check and write data shaped like the sample.

    Attributes:
        time: name of the time column.
        groups: names of the identifying columns (empty for a single series).
        value: name of the value column.
        sep: field separator of the input text file (None for Excel/Parquet/frames).
        decimal: decimal mark of the input (``"."`` or ``","``).
        date_format: strftime format reproducing the input's date style.
        freq: pandas offset alias of the time grid (``"h"``, ``"30min"``, ``"D"``...).
        categories: distinct values (sorted strings) of each group column.
        integer: True when every observed value is a whole number.
        min: smallest observed value.
        max: largest observed value.
        n_series: number of series.
        start: first timestamp (ISO 8601).
        end: last timestamp (ISO 8601).
        tz: the IANA zone given as ``data.tz`` (naive local clock times localised,
            converted to UTC and stored without zone; output is written back in that
            zone), else ``"UTC"`` when the input carried UTC offsets (converted to UTC),
            else None. Optional, so schemas saved before it existed still load.
        values: the value columns when several were learned together (``data.value``
            a list, e.g. temperature and humidity); they are then one identifying column
            ``variable`` of the panel, ``value`` its (internal) value column, and the
            output is written wide again, one column per value column. None otherwise.
        variable: the name of that identifying column (None with a single value column).
        carried: the other columns fixed within each series (a town beside a station
            code), written unchanged into the output (:mod:`datamime.output.carry`);
            None when there are none.
    """

    time: str
    groups: list[str]
    value: str
    sep: str | None
    decimal: str
    date_format: str
    freq: str
    categories: dict[str, list[str]]
    integer: bool
    min: float
    max: float
    n_series: int
    start: str
    end: str
    tz: str | None = None
    values: list[str] | None = None
    variable: str | None = None
    carried: dict | None = None

    def to_dict(self) -> dict:
        """Return a JSON-serialisable dict of the schema."""
        d = asdict(self)
        d["groups"] = [str(g) for g in self.groups]
        d["categories"] = {str(k): [str(v) for v in vs] for k, vs in self.categories.items()}
        d["integer"] = bool(self.integer)
        d["min"] = float(self.min)
        d["max"] = float(self.max)
        d["n_series"] = int(self.n_series)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Schema:
        """Rebuild a schema from :meth:`to_dict` output (unknown keys are ignored).

        Raises:
            DataError: a required key is missing.
        """
        names = {f.name for f in fields(cls)}
        required = names - {"tz", "values", "variable", "carried"}
        missing = sorted(required - set(d))
        if missing:
            raise DataError(f"schema is missing {', '.join(missing)}")
        kwargs = {k: v for k, v in d.items() if k in names}
        kwargs["groups"] = list(kwargs["groups"])
        kwargs["categories"] = {k: list(v) for k, v in kwargs["categories"].items()}
        return cls(**kwargs)


@dataclass
class Roles:
    """Which column plays which part in a long table.

    Attributes:
        time: the timestamp column.
        groups: identifying columns; their combination names one series.
        value: the numeric column to imitate.
    """

    time: str
    groups: list[str]
    value: str
