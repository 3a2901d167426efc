"""Regenerate penguins_synthetic.csv (synthetic, penguin-like measurements; seed fixed).

Per-species means/standard deviations approximate published summary statistics of three penguin
species; every row is drawn at random here, none is a real observation. Run from this folder:
``python generate_penguins_synthetic.py``.
"""

from __future__ import annotations

import csv

import numpy as np

SPECIES = {
    # name: (count, islands with weights, bill length, bill depth, flipper length, body mass) as (mean, sd)
    "Adelie": (152, {"Biscoe": 0.29, "Dream": 0.37, "Torgersen": 0.34},
               (38.8, 2.7), (18.3, 1.2), (190.0, 6.5), (3700.0, 460.0)),
    "Chinstrap": (68, {"Dream": 1.0}, (48.8, 3.3), (18.4, 1.1), (195.8, 7.1), (3733.0, 384.0)),
    "Gentoo": (124, {"Biscoe": 1.0}, (47.5, 3.1), (15.0, 1.0), (217.2, 6.5), (5076.0, 504.0)),
}


def main(path: str = "penguins_synthetic.csv", seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    rows = []
    for name, (n, islands, bl, bd, fl, bm) in SPECIES.items():
        isl = rng.choice(list(islands), size=n, p=list(islands.values()))
        sex = rng.choice(["male", "female"], size=n)
        shift = np.where(sex == "male", 1.0, -1.0)  # males slightly larger
        for i in range(n):
            s = shift[i]
            rows.append([
                name, isl[i],
                f"{rng.normal(bl[0] + 0.5 * s * bl[1], bl[1] * 0.85):.1f}",
                f"{rng.normal(bd[0] + 0.5 * s * bd[1], bd[1] * 0.85):.1f}",
                f"{rng.normal(fl[0] + 0.4 * s * fl[1], fl[1] * 0.9):.0f}",
                f"{rng.normal(bm[0] + 0.6 * s * bm[1], bm[1] * 0.8):.0f}",
                sex[i],
            ])
    order = rng.permutation(len(rows))
    rows = [rows[i] for i in order]
    for i in rng.choice(len(rows), size=9, replace=False):  # a few gaps, like real field data
        rows[i][int(rng.integers(2, 7))] = "NA"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["species", "island", "bill_length_mm", "bill_depth_mm", "flipper_length_mm",
                    "body_mass_g", "sex"])
        w.writerows(rows)


if __name__ == "__main__":
    main()
