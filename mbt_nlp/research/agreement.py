"""Inter-annotator agreement: how far coders (and the model) agree on each turn's label.

`agreement()` is the two-list Cohen's kappa that annotations/build_*.py record.
`agreement_report()` takes any number of coders with missing codes (a coder who
skipped a turn) and reports observed agreement, Cohen's kappa (two coders),
Fleiss' kappa (units every coder coded), Krippendorff's alpha (nominal) and
Gwet's AC1, overall and per label (one-vs-rest), each with a 95% interval from
a bootstrap over sessions.

Point estimates come from scikit-learn, statsmodels and krippendorff. The
bootstrap needs each coefficient on a thousand resamples, so every session is
reduced once to count tables (sufficient statistics) and a resample is a
weighted sum of them: one matrix product for all resamples, then the same
formulas, vectorised. tests/test_agree.py checks that these formulas give the
libraries' values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import krippendorff
import numpy as np
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import fleiss_kappa as statsmodels_fleiss_kappa

from mbt_nlp.pipeline.resources import LABELS

COEFFICIENTS = ("observed_agreement", "cohen_kappa", "fleiss_kappa", "krippendorff_alpha",
                "gwet_ac1")
MISSING = -1  # a coder who did not code the unit
_TINY = 1e-12  # a denominator this small means "undefined" (e.g. everyone used one label)


def agreement(first: Sequence[str], second: Sequence[str],
              labels: Sequence[str] = LABELS) -> dict[str, Any]:
    """Kappa overall and per label; a label neither annotator used has kappa None."""
    if len(first) != len(second):
        raise ValueError(f"annotations differ in length: {len(first)} vs {len(second)}")
    if not first:
        raise ValueError("no annotations to compare")
    per_label: dict[str, dict[str, Any]] = {}
    for label in labels:
        a = [x == label for x in first]
        b = [x == label for x in second]
        if not (any(a) or any(b)):
            kappa = None  # undefined: nobody used the label
        elif a == b:
            kappa = 1.0  # identical, including the degenerate all-same case
        else:
            kappa = round(float(cohen_kappa_score(a, b)), 4)
        per_label[label] = {
            "kappa": kappa,
            "first": sum(a),
            "second": sum(b),
        }
    return {
        "n": len(first),
        "observed_agreement": round(sum(x == y for x, y in zip(first, second, strict=True))
                                    / len(first), 4),
        "kappa": round(float(cohen_kappa_score(first, second, labels=list(labels))), 4),
        "per_label": per_label,
    }


@dataclass(frozen=True)
class Ratings:
    """Who gave which label to which unit: the input of every coefficient.

    codes[u, j] is the index in `categories` of coder j's label for unit u, or
    MISSING. groups[u] is the unit's session (0..n_groups-1): the bootstrap
    resamples sessions, because turns of one session are not independent.
    """

    codes: np.ndarray
    categories: tuple[str, ...]
    coders: tuple[str, ...]
    groups: np.ndarray

    @classmethod
    def from_labels(cls, labels: Sequence[Sequence[str | None]], coders: Sequence[str],
                    categories: Sequence[str] = LABELS,
                    groups: Sequence[object] | None = None) -> Ratings:
        """labels[u][j]: coder j's label of unit u (None: not coded); groups: any hashable
        session id per unit (default: every unit its own session)."""
        index = {c: i for i, c in enumerate(categories)}
        codes = np.array([[MISSING if x is None else index[x] for x in row] for row in labels],
                         dtype=int).reshape(len(labels), len(coders))
        keys = list(range(len(labels))) if groups is None else list(groups)
        ids = {g: i for i, g in enumerate(dict.fromkeys(keys))}
        return cls(codes, tuple(categories), tuple(coders),
                   np.array([ids[g] for g in keys], dtype=int))

    @property
    def n_groups(self) -> int:
        return int(self.groups.max()) + 1 if len(self.groups) else 0

    def counts(self) -> np.ndarray:
        """(units, categories): how many coders gave each label to each unit."""
        table = np.zeros((len(self.codes), len(self.categories)), dtype=int)
        units, coders = np.nonzero(self.codes != MISSING)
        np.add.at(table, (units, self.codes[units, coders]), 1)
        return table

    def select(self, coders: Sequence[int]) -> Ratings:
        """The same units coded by some of the coders only."""
        return Ratings(self.codes[:, list(coders)], self.categories,
                       tuple(self.coders[j] for j in coders), self.groups)

    def one_vs_rest(self, label: str) -> Ratings:
        """Label or not: 0 = the label, 1 = any other label, missing stays missing."""
        k = self.categories.index(label)
        binary = np.where(self.codes == MISSING, MISSING, (self.codes != k).astype(int))
        return Ratings(binary, (label, f"not {label}"), self.coders, self.groups)

    def confusion(self, first: int = 0, second: int = 1) -> np.ndarray:
        """Counts of (first coder's label, second coder's label) on units both coded."""
        a, b = self.codes[:, first], self.codes[:, second]
        both = (a != MISSING) & (b != MISSING)
        matrix = np.zeros((len(self.categories),) * 2, dtype=int)
        np.add.at(matrix, (a[both], b[both]), 1)
        return matrix


# --- sufficient statistics: per session, summable ---------------------------------------


def session_statistics(ratings: Ratings) -> dict[str, np.ndarray]:
    """Per session (first axis), the sums every coefficient is computed from.

    Each is a sum over the session's units, so the statistics of any multiset of
    sessions (a bootstrap resample) are weighted sums of these rows.
    """
    n_groups, k, m = ratings.n_groups, len(ratings.categories), len(ratings.coders)
    groups = ratings.groups
    counts = ratings.counts().astype(float)
    coded = counts.sum(axis=1)  # r_i: how many coders coded unit i
    pairable = coded >= 2

    def by_group(values: np.ndarray, where: np.ndarray) -> np.ndarray:
        out = np.zeros((n_groups, *values.shape[1:]))
        np.add.at(out, groups[where], values[where])
        return out

    with np.errstate(invalid="ignore", divide="ignore"):
        # Gwet (2014): agreement of unit i among its r_i coders, over units with r_i >= 2;
        # chance from each unit's label shares over units with r_i >= 1.
        unit_agreement = (counts * (counts - 1)).sum(axis=1) / (coded * (coded - 1))
        shares = counts / coded[:, None]
        # Krippendorff: unit i adds n_ic * n_ik / (r_i - 1) pairable values to cell (c, k).
        coincidences = (counts[:, :, None] * counts[:, None, :]
                        - np.einsum("uk,kl->ukl", counts, np.eye(k))) / (coded - 1)[:, None, None]
    complete = coded == m
    stats = {
        "pairable": by_group(np.ones(len(coded)), pairable),
        "agreement_sum": by_group(unit_agreement, pairable),
        "coded": by_group(np.ones(len(coded)), coded >= 1),
        "share_sum": by_group(shares, coded >= 1),
        "coincidences": by_group(coincidences, pairable),
        "complete": by_group(np.ones(len(coded)), complete),
        "complete_counts": by_group(counts, complete),
        "complete_squares": by_group((counts ** 2).sum(axis=1), complete),
    }
    if m == 2:
        confusion = np.zeros((n_groups, k, k))
        a, b = ratings.codes[:, 0], ratings.codes[:, 1]
        both = (a != MISSING) & (b != MISSING)
        np.add.at(confusion, (groups[both], a[both], b[both]), 1)
        stats["confusion"] = confusion
    return stats


def coefficients_from_statistics(stats: dict[str, np.ndarray], n_coders: int,
                                 n_categories: int) -> dict[str, np.ndarray]:
    """Every coefficient from summed statistics; leading axes are kept (one value per
    resample), nan where a coefficient is undefined."""

    def ratio(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(np.abs(bottom) > _TINY, top / np.where(bottom == 0, 1, bottom),
                            np.nan)

    def chance_corrected(observed: np.ndarray, chance: np.ndarray) -> np.ndarray:
        return ratio(observed - chance, 1 - chance)

    m, q = n_coders, n_categories
    observed = ratio(stats["agreement_sum"], stats["pairable"])
    shares = ratio(stats["share_sum"], stats["coded"][..., None])
    gwet_chance = (shares * (1 - shares)).sum(axis=-1) / (q - 1)
    out = {"observed_agreement": observed, "gwet_ac1": chance_corrected(observed, gwet_chance)}

    o = stats["coincidences"]
    margins = o.sum(axis=-1)
    total = margins.sum(axis=-1)
    disagreeing = total - np.trace(o, axis1=-2, axis2=-1)
    expected = total ** 2 - (margins ** 2).sum(axis=-1)
    out["krippendorff_alpha"] = np.where(total > 1, 1 - ratio((total - 1) * disagreeing,
                                                              expected), np.nan)

    n = stats["complete"]
    proportions = ratio(stats["complete_counts"], (n * m)[..., None])
    fleiss_observed = ratio(stats["complete_squares"] - n * m, n * m * (m - 1))
    out["fleiss_kappa"] = chance_corrected(fleiss_observed, (proportions ** 2).sum(axis=-1))

    if "confusion" in stats:
        c = stats["confusion"]
        both = c.sum(axis=(-2, -1))
        cohen_observed = ratio(np.trace(c, axis1=-2, axis2=-1), both)
        cohen_chance = ratio((c.sum(axis=-1) * c.sum(axis=-2)).sum(axis=-1), both ** 2)
        out["cohen_kappa"] = chance_corrected(cohen_observed, cohen_chance)
    else:
        out["cohen_kappa"] = np.full(np.shape(observed), np.nan)
    return out


def formula_estimates(ratings: Ratings) -> dict[str, float | None]:
    """Every coefficient from the summed statistics of all sessions (None: undefined)."""
    stats = {key: value.sum(axis=0) for key, value in session_statistics(ratings).items()}
    values = coefficients_from_statistics(stats, len(ratings.coders), len(ratings.categories))
    return {name: _number(values[name]) for name in COEFFICIENTS}


# --- point estimates: the libraries ------------------------------------------------------


def cohen_kappa(ratings: Ratings) -> float | None:
    """Cohen's kappa of exactly two coders, on the units both coded (scikit-learn)."""
    if len(ratings.coders) != 2:
        return None
    a, b = ratings.codes[:, 0], ratings.codes[:, 1]
    both = (a != MISSING) & (b != MISSING)
    if len(set(a[both]) | set(b[both])) < 2:
        return None  # one label throughout: chance agreement is 1, kappa is 0/0
    return float(cohen_kappa_score(a[both], b[both], labels=list(range(len(ratings.categories)))))


def fleiss_kappa(ratings: Ratings) -> float | None:
    """Fleiss' kappa on the units every coder coded (statsmodels); needs complete data."""
    table = ratings.counts()
    table = table[table.sum(axis=1) == len(ratings.coders)]
    if len(ratings.coders) < 2 or (table.sum(axis=0) > 0).sum() < 2:
        return None
    return float(statsmodels_fleiss_kappa(table, method="fleiss"))


def krippendorff_alpha(ratings: Ratings) -> float | None:
    """Krippendorff's alpha, nominal, any number of coders, missing codes allowed
    (the `krippendorff` package; units with a single code carry no pair and drop out)."""
    table = ratings.counts()
    table = table[table.sum(axis=1) >= 2]
    if table.sum() < 2 or (table.sum(axis=0) > 0).sum() < 2:
        return None
    return float(krippendorff.alpha(value_counts=table, level_of_measurement="nominal"))


def gwet_ac1(ratings: Ratings) -> float | None:
    """Gwet's AC1 for any number of coders with missing codes (Gwet 2014, ch. 2):

        pa = mean over units with r_i >= 2 of  sum_k r_ik (r_ik - 1) / (r_i (r_i - 1))
        pi_k = mean over units with r_i >= 1 of  r_ik / r_i
        pe = sum_k pi_k (1 - pi_k) / (q - 1),   AC1 = (pa - pe) / (1 - pe)

    q is the number of categories in the scheme (not only those used). Unlike kappa,
    AC1 stays near the observed agreement when one label is rare.
    """
    return formula_estimates(ratings)["gwet_ac1"]


def observed_agreement(ratings: Ratings) -> float | None:
    """Share of agreeing coder pairs per unit, averaged over units with two or more codes
    (for two coders: the share of units both coded on which they agree)."""
    return formula_estimates(ratings)["observed_agreement"]


def point_estimates(ratings: Ratings) -> dict[str, float | None]:
    formulas = formula_estimates(ratings)
    return {
        "observed_agreement": formulas["observed_agreement"],
        "cohen_kappa": cohen_kappa(ratings),
        "fleiss_kappa": fleiss_kappa(ratings),
        "krippendorff_alpha": krippendorff_alpha(ratings),
        "gwet_ac1": formulas["gwet_ac1"],
    }


# --- the bootstrap over sessions ---------------------------------------------------------


def resample_weights(n_groups: int, resamples: int, seed: int = 0) -> np.ndarray:
    """(resamples, n_groups): how often each session is drawn when n_groups sessions are
    drawn with replacement."""
    rng = np.random.default_rng(seed)
    if n_groups == 0 or resamples == 0:
        return np.zeros((resamples, n_groups))
    return rng.multinomial(n_groups, np.full(n_groups, 1 / n_groups), size=resamples)


def bootstrap(ratings: Ratings, weights: np.ndarray,
              level: float = 0.95) -> dict[str, tuple[float, float] | None]:
    """Percentile interval of each coefficient over the resamples in `weights` (from
    resample_weights); None where no resample defines the coefficient."""
    stats = session_statistics(ratings)
    summed = {key: np.tensordot(weights, value, axes=(1, 0)) for key, value in stats.items()}
    values = coefficients_from_statistics(summed, len(ratings.coders), len(ratings.categories))
    tail = (1 - level) / 2 * 100
    intervals: dict[str, tuple[float, float] | None] = {}
    for name in COEFFICIENTS:
        defined = values[name][np.isfinite(values[name])]
        intervals[name] = (None if defined.size == 0 else
                           tuple(float(x) for x in np.percentile(defined, [tail, 100 - tail])))
    return intervals


# --- the report ---------------------------------------------------------------------------


def agreement_report(ratings: Ratings, weights: np.ndarray | None = None,
                     level: float = 0.95) -> dict[str, Any]:
    """Coefficients with intervals, overall and per label, for one group of coders.

    weights: bootstrap resamples of the sessions (resample_weights); None for no intervals.
    Share one `weights` between reports so that they are computed on the same resamples.
    """
    report = _coefficients(ratings, weights, level)
    report["coders"] = list(ratings.coders)
    report["per_label"] = {}
    for label in ratings.categories:
        binary = ratings.one_vs_rest(label)
        entry = {"codes": {coder: int((binary.codes[:, j] == 0).sum())
                           for j, coder in enumerate(ratings.coders)}}
        entry.update(_coefficients(binary, weights, level))
        report["per_label"][label] = entry
    if len(ratings.coders) == 2:
        report["confusion"] = {"rows": ratings.coders[0], "columns": ratings.coders[1],
                               "labels": list(ratings.categories),
                               "matrix": ratings.confusion().tolist()}
    return report


def _coefficients(ratings: Ratings, weights: np.ndarray | None,
                  level: float) -> dict[str, Any]:
    counts = ratings.counts().sum(axis=1)
    pairable = int((counts >= 2).sum())
    both = int(((ratings.codes != MISSING).sum(axis=1) == 2).sum()) \
        if len(ratings.coders) == 2 else 0
    sizes = {"observed_agreement": pairable, "cohen_kappa": both,
             "fleiss_kappa": int((counts == len(ratings.coders)).sum()),
             "krippendorff_alpha": pairable, "gwet_ac1": pairable}
    estimates = point_estimates(ratings)
    intervals = bootstrap(ratings, weights, level) if weights is not None and len(weights) \
        else {}
    out: dict[str, Any] = {"units": int((counts >= 1).sum()), "pairable": pairable}
    for name in COEFFICIENTS:
        interval = intervals.get(name)
        out[name] = {"value": _rounded(estimates[name]), "n": sizes[name],
                     "low": _rounded(interval[0]) if interval else None,
                     "high": _rounded(interval[1]) if interval else None}
    return out


def _number(value: np.ndarray | float) -> float | None:
    value = float(value)
    return value if np.isfinite(value) else None


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
