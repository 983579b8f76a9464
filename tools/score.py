"""The payment model's pure math (no ORM): scaling, per-factor contributions, the time-ordered
hold-out, the fit's quality (AUC, Brier score, calibration per decile) and the fit itself.

The model is a logistic regression on standardised features: ``logit = intercept + sum(coef_i *
(x_i - mean_i) / scale_i)``. Each term of the sum is that factor's contribution (the *Why* of
*Contact now*); they add up to the logit, and the probability is ``1 / (1 + exp(-logit))``. The
fitted model is a plain dict (JSON), read back without scikit-learn: only :func:`fit` imports it.
"""

import math

import numpy as np

# What the model looks at, in the order of the feature matrix's columns. No protected attribute
# (sex, age, race, place of birth, address) is among them: see docs/analytics.md.
FEATURES = (
    "days_late",  # days since the oldest overdue open installment's due date (at most 365)
    "amount",  # log(1 + overdue amount)
    "installments",  # overdue open installments (at most 24)
    "profile",  # the debtor's profile severity, 0 (mildest) to 1 (most severe)
    "promises_kept",  # promises kept in the 12 months before (at most 5)
    "promises_broken",  # promises broken in the 12 months before (at most 5)
    "contacts",  # outbound logged contacts in the 30 days before (at most 10)
    "reached",  # of which reached the debtor (at most 10)
    "replies",  # inbound contacts (the debtor wrote or called) in the 30 days before (at most 10)
    "channel_voice",  # the last contact in the 90 days before was a call or in person
    "channel_message",  # the last contact in the 90 days before was a message (e-mail, SMS, WhatsApp...)
    "late_episodes",  # installments paid after their due date in the 12 months before (at most 24)
    "tenure",  # months since the debtor's first invoice (at most 120)
    "fpd",  # a credit sale's first installment was still unpaid 30 days after its due date
    "upcoming",  # open installments falling due in the 30 days after (not overdue yet; at most 24)
)
# Counts that grow with the history's age enter the logit through log(1 + x): each more late payment
# says less than the one before, and a store whose debtors accumulate history (months the fit never
# saw, at the top of the test's counts) is not extrapolated along a straight line (the bench's top
# decile said 49.6 % for 41.5 % observed with the raw count).
TRANSFORMS = {"late_episodes": "log1p"}
# The outcome: the debtor paid something within this many days after the month's end.
HORIZON_DAYS = 30
# The latest months held out for the test hold at least this share of the rows (and one month).
HOLDOUT_SHARE = 0.2
DECILES = 10


def sigmoid(logit):
    return 1.0 / (1.0 + np.exp(-np.asarray(logit, dtype=float)))


def standardise(matrix, means, scales):
    """``(x - mean) / scale`` per column; a constant column (scale 0) gives 0."""
    scales = np.where(np.asarray(scales, dtype=float) > 0, scales, 1.0)
    return (np.asarray(matrix, dtype=float) - np.asarray(means, dtype=float)) / scales


def transform(matrix, model):
    """``matrix`` (columns in ``model["features"]`` order) with the model's ``transforms`` applied
    (``log1p`` of the named features; a model stored without them reads the raw values)."""
    matrix = np.array(matrix, dtype=float)
    for code, how in (model.get("transforms") or {}).items():
        if how == "log1p" and code in model["features"]:
            index = list(model["features"]).index(code)
            matrix[:, index] = np.log1p(np.maximum(matrix[:, index], 0.0))
    return matrix


def columns(matrix, model, features=FEATURES):
    """The columns of ``matrix`` (in ``features`` order) that ``model`` reads, in its order: a model
    fitted before a feature was added keeps scoring on the features it knows."""
    if list(model["features"]) == list(features):
        return np.asarray(matrix, dtype=float)
    return np.asarray(matrix, dtype=float)[:, [list(features).index(code) for code in model["features"]]]


def logits(matrix, model):
    """The model's logit for each row of ``matrix`` (columns in ``model["features"]`` order)."""
    scaled = standardise(transform(matrix, model), model["means"], model["scales"])
    return model["intercept"] + scaled @ np.asarray(model["coef"], dtype=float)


def probabilities(matrix, model):
    return sigmoid(logits(matrix, model))


def contributions(row, model):
    """``[(feature, contribution)]`` of one row: ``coef * standardised value``, in the logit's
    units; with ``model["intercept"]`` they add up to the row's logit."""
    scaled = standardise(transform(np.asarray(row, dtype=float)[None, :], model), model["means"], model["scales"])[0]
    return [
        (code, float(coef * value)) for code, coef, value in zip(model["features"], model["coef"], scaled, strict=True)
    ]


def auc(outcomes, predicted):
    """Area under the ROC curve: the chance that a debtor who paid was given a higher probability
    than one who did not (ties count half); ``None`` without both outcomes."""
    outcomes = np.asarray(outcomes, dtype=bool)
    positives = int(outcomes.sum())
    negatives = len(outcomes) - positives
    if not positives or not negatives:
        return None
    predicted = np.asarray(predicted, dtype=float)
    order = np.argsort(predicted, kind="mergesort")
    ranks = np.empty(len(predicted), dtype=float)
    sorted_values = predicted[order]
    # Average ranks (1-based) over ties.
    _unique, first, counts = np.unique(sorted_values, return_index=True, return_counts=True)
    average = first + (counts + 1) / 2.0
    ranks[order] = np.repeat(average, counts)
    return float((ranks[outcomes].sum() - positives * (positives + 1) / 2.0) / (positives * negatives))


def brier(outcomes, predicted):
    """Mean squared difference between the probability and the outcome (0 is perfect, 0.25 is a
    coin); ``None`` without rows."""
    outcomes = np.asarray(outcomes, dtype=float)
    if not len(outcomes):
        return None
    return float(np.mean((np.asarray(predicted, dtype=float) - outcomes) ** 2))


def calibration_table(outcomes, predicted, bins=DECILES):
    """``[{"decile", "rows", "predicted", "observed"}]``: the rows sorted by probability, cut in
    ``bins`` groups of (nearly) equal size, mean probability and observed rate of each, in %."""
    outcomes = np.asarray(outcomes, dtype=float)
    predicted = np.asarray(predicted, dtype=float)
    order = np.argsort(predicted, kind="mergesort")
    table = []
    for index, group in enumerate(np.array_split(order, bins), start=1):
        if not len(group):
            continue
        table.append(
            {
                "decile": index,
                "rows": len(group),
                "predicted": round(float(predicted[group].mean()) * 100, 2),
                "observed": round(float(outcomes[group].mean()) * 100, 2),
            }
        )
    return table


def calibration_gap(table):
    """The largest ``|predicted - observed|`` of a calibration table, in points (``None`` if empty)."""
    return max((abs(row["predicted"] - row["observed"]) for row in table), default=None)


def holdout_mask(months, share=HOLDOUT_SHARE):
    """Boolean mask of the test rows: the latest months (by ``months``, comparable values) that
    hold at least ``share`` of the rows, the latest month at least; never every month when there
    are two or more, so that the fit has older months to learn from."""
    months = np.asarray(months)
    distinct = np.unique(months)
    if len(distinct) < 2:
        return np.zeros(len(months), dtype=bool)
    counts = {month: int((months == month).sum()) for month in distinct}
    held, cut = 0, distinct[-1]
    for month in distinct[::-1][:-1]:
        held += counts[month]
        cut = month
        if held >= share * len(months):
            break
    return months >= cut


def fit(matrix, outcomes, months, features=FEATURES, transforms=None):
    """Fit the model on the older months and test it on the latest (:func:`holdout_mask`).

    Returns the model dict: ``features, means, scales, coef, intercept`` and the hold-out's
    ``metrics`` (``auc``, ``brier``, ``train_rows``, ``test_rows``, ``base_rate``) and
    ``calibration`` table. Time-ordered throughout: a logistic regression (L2, scikit-learn's
    default strength) on standardised features is learnt on the oldest months, then recalibrated
    (Platt: ``a + b x logit``, a logistic of its logit) on the latest months before the test, so
    that a history that drifts (a store whose debtors accumulate months of history) is read as it
    is now; the recalibration folds into the coefficients, the model stays one logistic whose
    contributions add up. The test months are seen by neither. The counts of ``TRANSFORMS`` (or
    ``transforms``) enter as ``log(1 + x)``. Newton's method (``newton-cholesky``, scikit-learn's
    solver for many rows and few features) converges in a few iterations. scikit-learn is imported
    here only: reading a stored model needs numpy alone.
    """
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415 pylint: disable=import-outside-toplevel

    transforms = {
        code: how for code, how in (TRANSFORMS if transforms is None else transforms).items() if code in features
    }
    raw = np.asarray(matrix, dtype=float)
    matrix = transform(raw, {"features": list(features), "transforms": transforms})
    outcomes = np.asarray(outcomes, dtype=bool)
    months = np.asarray(months)
    test = holdout_mask(months)
    train = ~test
    if not test.any() or len(np.unique(outcomes[train])) < 2:
        raise ValueError("the history needs two months or more and both outcomes in the older months")
    recalibrate = np.zeros(len(months), dtype=bool)
    recalibrate[train] = holdout_mask(months[train])
    learn = train & ~recalibrate
    if len(np.unique(outcomes[learn])) < 2 or len(np.unique(outcomes[recalibrate])) < 2:
        learn, recalibrate = train, np.zeros(len(months), dtype=bool)
    means = matrix[learn].mean(axis=0)
    scales = matrix[learn].std(axis=0)
    scaled = standardise(matrix, means, scales)
    regression = LogisticRegression(solver="newton-cholesky", max_iter=100)
    regression.fit(scaled[learn], outcomes[learn])
    coef, intercept = regression.coef_[0], float(regression.intercept_[0])
    if recalibrate.any():
        learnt = (intercept + scaled[recalibrate] @ coef)[:, None]
        platt = LogisticRegression(C=1e6, solver="newton-cholesky", max_iter=100).fit(learnt, outcomes[recalibrate])
        slope, shift = float(platt.coef_[0][0]), float(platt.intercept_[0])
        coef, intercept = coef * slope, shift + slope * intercept
    model = {
        "features": list(features),
        "means": [float(value) for value in means],
        "scales": [float(value) if value > 0 else 1.0 for value in scales],
        "coef": [float(value) for value in coef],
        "intercept": float(intercept),
        "transforms": transforms,
    }
    predicted = probabilities(raw[test], model)
    model["metrics"] = {
        "auc": auc(outcomes[test], predicted),
        "brier": brier(outcomes[test], predicted),
        "train_rows": int(train.sum()),
        "test_rows": int(test.sum()),
        "recalibration_rows": int(recalibrate.sum()),
        "base_rate": round(float(outcomes[test].mean()) * 100, 2),
    }
    model["calibration"] = calibration_table(outcomes[test], predicted)
    return model


def logit_of(probability):
    probability = min(max(probability, 1e-9), 1 - 1e-9)
    return math.log(probability / (1 - probability))
