"""A made-up table shaped like the Atmo Normandie export: a few stations and pollutants,
and many descriptive columns fixed within each series (department, town, coordinates,
unit...) beside row counters and an end-time column that vary."""

from __future__ import annotations

import numpy as np
import pandas as pd

# station: (department, town, INSEE code, code, typology, influence, x, y)
STATIONS = {
    "SRC": ("Seine Maritime", "Saint Romain de Colbosc", "76647", "5010", "Periurbaine",
            "De fond", "0.358733333333277", "49.5289277777777"),
    "QDP": ("Seine Maritime", "Rouen", "76540", "25053", "Urbaine", "Trafic",
            "1.09855277777767", "49.4366749999996"),
    "JUS": ("Seine Maritime", "Rouen", "76540", "25036", "Urbaine", "De fond",
            "1.08131111111104", "49.4296527777776"),
    "CAE": ("Calvados", "Caen", "14118", "14021", "Urbaine", "De fond",
            "-0.36218333333331", "49.1837222222221"),
    "HON": ("Calvados", "Honfleur", "14333", "14031", "Periurbaine", "Industrielle",
            "0.23297222222218", "49.4183055555554"),
}
# pollutant: (EU code, unit)
POLLUTANTS = {"NO2": ("8", "microg/m3"), "O3": ("7", "microg/m3"), "CO": ("10", "mg/m3")}
COLUMNS = ["gml_id", "id", "nom_dept", "nom_com", "insee_com", "nom_station", "code_station",
           "typologie", "influence", "nom_poll", "id_poll_ue", "valeur", "unite", "metrique",
           "date_debut", "date_fin", "statut_valid", "x_wgs84", "y_wgs84"]
FIXED = ["nom_dept", "nom_com", "insee_com", "code_station", "typologie", "influence",
         "id_poll_ue", "unite", "metrique", "x_wgs84", "y_wgs84"]  # beside the key


def atmo_like(hours: int = 48, seed: int = 0) -> pd.DataFrame:
    """The table, as text cells: every station measures NO2 and O3, two measure CO too."""
    rng = np.random.default_rng(seed)
    times = pd.date_range("2022-06-21", periods=hours, freq="h")
    rows = []
    for station, (dept, town, insee, code, typo, infl, x, y) in STATIONS.items():
        for poll, (eu, unit) in POLLUTANTS.items():
            if poll == "CO" and station not in ("QDP", "CAE"):
                continue
            level = {"NO2": 20, "O3": 60, "CO": 1}[poll]
            hour = np.asarray(times.hour)
            values = level * (1 + 0.4 * np.sin(2 * np.pi * (hour - 6) / 24))
            values = np.maximum(values + rng.normal(0, level * 0.1, hours), 0).round()
            for t, v in zip(times, values, strict=True):
                rows.append([dept, town, insee, station, code, typo, infl, poll, eu, str(int(v)),
                             unit, "horaire", t.strftime("%d/%m/%Y %H:%M"),
                             (t + pd.Timedelta(hours=1)).strftime("%d/%m/%Y %H:%M"),
                             "0" if rng.random() < 0.02 else "1", x, y])
    table = pd.DataFrame(rows, columns=COLUMNS[2:])
    table.insert(0, "id", [str(i + 1) for i in range(len(table))])
    table.insert(0, "gml_id", [f"mes_normandie_horaire.{i + 1}" for i in range(len(table))])
    return table


def write_atmo_like(path, hours: int = 48) -> pd.DataFrame:
    """Write the table as the export is written (``;``, day-first dates); returns it."""
    table = atmo_like(hours)
    table.to_csv(path, sep=";", index=False)
    return table
