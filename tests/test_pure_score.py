import numpy as np

from odoo.tests import tagged

from ..tools import score
from .common import PureCase


@tagged("post_install", "-at_install")
class TestPureScore(PureCase):
    def test_contributions_add_up_to_the_logit(self):
        model = {
            "features": ["a", "b", "c"],
            "means": [10.0, 0.5, 3.0],
            "scales": [5.0, 0.5, 0.0],  # a constant column: scale 0 counts as 1
            "coef": [-0.8, 1.2, 0.3],
            "intercept": -1.1,
        }
        row = [20.0, 1.0, 3.0]
        parts = dict(score.contributions(row, model))
        self.assertAlmostEqual(parts["a"], -0.8 * 2.0)
        self.assertAlmostEqual(parts["b"], 1.2 * 1.0)
        self.assertAlmostEqual(parts["c"], 0.0)
        logit = float(score.logits(np.array([row]), model)[0])
        self.assertAlmostEqual(model["intercept"] + sum(parts.values()), logit)
        self.assertAlmostEqual(float(score.probabilities(np.array([row]), model)[0]), 1 / (1 + np.exp(-logit)))
        self.assertAlmostEqual(score.logit_of(float(score.sigmoid(logit))), logit)

    def test_auc_by_hand_with_ties(self):
        # Pairs (paid, not paid): (0.9, 0.1) win, (0.9, 0.5) win, (0.5, 0.1) win, (0.5, 0.5) tie -> 3.5 / 4.
        self.assertAlmostEqual(score.auc([1, 1, 0, 0], [0.9, 0.5, 0.5, 0.1]), 0.875)
        self.assertEqual(score.auc([1, 1], [0.2, 0.3]), None, "one outcome only: no AUC")
        self.assertAlmostEqual(score.auc([0, 1], [0.2, 0.3]), 1.0)

    def test_brier_by_hand(self):
        self.assertAlmostEqual(score.brier([1, 0], [0.8, 0.4]), (0.04 + 0.16) / 2)
        self.assertIsNone(score.brier([], []))

    def test_calibration_table_by_decile(self):
        predicted = np.arange(20) / 20.0
        outcomes = np.array([0, 1] * 10)
        table = score.calibration_table(outcomes, predicted)
        self.assertEqual([row["rows"] for row in table], [2] * 10)
        self.assertEqual(table[0], {"decile": 1, "rows": 2, "predicted": 2.5, "observed": 50.0})
        self.assertEqual(table[-1]["predicted"], 92.5)
        self.assertEqual(score.calibration_gap(table), 47.5)

    def test_holdout_is_the_latest_months(self):
        months = np.array([1] * 50 + [2] * 30 + [3] * 10 + [4] * 10)
        mask = score.holdout_mask(months)
        self.assertEqual(set(months[mask]), {3, 4}, "the latest months up to 20 % of the rows")
        self.assertFalse(score.holdout_mask(np.array([5, 5, 5])).any(), "one month: nothing to fit on before")
        mask = score.holdout_mask(np.array([1] * 2 + [2] * 98))
        self.assertEqual(mask.sum(), 98, "the latest month, however large; the older ones still fit")

    def test_fit_recovers_a_known_probability_and_is_calibrated(self):
        """50,000 debtor-months over 10 months whose probability of paying is a known logistic of
        two of the features (the others are noise): the fitted model ranks as the truth does and,
        on the latest months it never saw, each decile's predicted rate is within 5 points of the
        observed one and within 2 points of the true probability."""
        rng = np.random.default_rng(24)
        rows = 50000
        matrix = np.zeros((rows, len(score.FEATURES)))
        matrix[:, 0] = rng.integers(1, 365, rows)  # days late
        matrix[:, 1] = rng.normal(6.5, 1.0, rows)  # log amount
        matrix[:, 4] = rng.integers(0, 4, rows)  # promises kept
        matrix[:, 12] = rng.integers(1, 60, rows)  # tenure: noise
        truth = score.sigmoid(0.4 - 0.01 * matrix[:, 0] + 0.6 * matrix[:, 4])
        outcomes = rng.random(rows) < truth
        months = np.repeat(np.arange(10), rows // 10)
        model = score.fit(matrix, outcomes, months)
        test = score.holdout_mask(months)
        self.assertEqual(model["metrics"]["test_rows"], int(test.sum()))
        self.assertGreater(model["metrics"]["auc"], 0.75)
        self.assertAlmostEqual(model["metrics"]["auc"], score.auc(outcomes[test], truth[test]), delta=0.01)
        self.assertLess(score.calibration_gap(model["calibration"]), 5)
        predicted = score.probabilities(matrix[test], model)
        self.assertLess(np.abs(predicted - truth[test]).max(), 0.05)
        by_truth = score.calibration_table(truth[test], predicted)
        self.assertLess(score.calibration_gap(by_truth), 2)
        self.assertLess(model["coef"][0], 0, "the later, the less likely")
        self.assertGreater(model["coef"][4], 0, "promises kept, the likelier")
        self.assertLess(abs(model["coef"][12]), 0.05, "tenure is noise here")

    def test_transformed_feature_and_a_model_fitted_before_a_feature_was_added(self):
        model = {
            "features": ["a", "late_episodes"],
            "means": [0.0, 0.5],
            "scales": [1.0, 0.5],
            "coef": [1.0, 2.0],
            "intercept": 0.0,
            "transforms": {"late_episodes": "log1p"},
        }
        parts = dict(score.contributions([1.0, 3.0], model))
        self.assertAlmostEqual(parts["late_episodes"], 2.0 * (np.log(4.0) - 0.5) / 0.5, msg="log(1 + 3) enters")
        logit = float(score.logits(np.array([[1.0, 3.0]]), model)[0])
        self.assertAlmostEqual(sum(parts.values()), logit, msg="the contributions still add up")
        # A model stored without transforms (before them) reads the raw count.
        plain = {key: value for key, value in model.items() if key != "transforms"}
        self.assertAlmostEqual(dict(score.contributions([1.0, 3.0], plain))["late_episodes"], 2.0 * 2.5 / 0.5)
        # Today's matrix has a column the model never saw: it scores on its own columns, in its order.
        matrix = np.array([[7.0, 1.0, 3.0]])
        picked = score.columns(matrix, model, features=("new", "a", "late_episodes"))
        self.assertEqual(picked.tolist(), [[1.0, 3.0]])
        self.assertEqual(score.columns(picked, model, features=("a", "late_episodes")).tolist(), [[1.0, 3.0]])
