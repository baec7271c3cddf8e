"""datamime's Hydra configs; importing the package (as Hydra does to find them) registers
the resolvers they use and the schemas of :mod:`datamime.config`."""

import datamime.config  # noqa: F401 - registers ${datamime_model:} and ${datamime_example:}
