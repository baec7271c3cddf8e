"""Output constraints and the sample's precision."""

import numpy as np
import pytest

from datamime import constraints as C


@pytest.mark.parametrize("values, places", [
    ([1.0, 2.0, np.nan], 0),
    ([12.3, 0.1, -4.0], 1),
    ([0.25, 1.5], 2),
    ([101325.125, 3.0], 3),
    ([1 / 3, 2.0], None),  # computed values: full precision
    ([np.nan], None),
])
def test_decimals_of_a_sample(values, places):
    assert C.decimals(np.array(values)) == places


def test_resolve_rounds_to_the_sample_precision_unless_whole_numbers_are_asked():
    assert C.resolve("auto", "auto", False, -1.0, 1) == [C.Decimals(1)]
    assert C.resolve(True, "auto", False, -1.0, 1) == [C.Integer()]
    assert C.resolve("auto", "auto", True, 0.0, 0) == [C.NonNegative(), C.Integer()]
    # integer=false on a whole sample: no rounding at all, not to 0 decimals either
    assert C.resolve(False, False, True, 0.0, 0) == []
    assert C.resolve("auto", False, False, 0.0, None) == []
    out = C.apply(np.array([1.04999, -0.26, 7.0]), C.resolve("auto", True, False, 0.0, 1))
    np.testing.assert_array_equal(out, [1.0, 0.0, 7.0])
