"""Tests for analysis.estimators.binary_outcomes.

The reference values are computed independently of the module under test:
statsmodels results objects, statsmodels' own marginal effects, t-tests of
linear restrictions, and numerical (finite-difference) Jacobians of predicted
probabilities.  A recovery test checks the estimator against planted truth.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import special, stats

from analysis.estimators.binary_outcomes import (
    Estimate,
    IndexModelFit,
    average_contrast,
    average_marginal_effects,
    difference_of_contrasts,
    fit_linear,
    fit_probit,
    pseudo_true_fit,
    set_treatment,
)

INTERACTIONS = {"move_x_female": "female", "move_x_degree": "degree"}
COLUMNS = ["const", "move", "female", "degree", "age", "area", *INTERACTIONS]
# Latent-index coefficients with a treatment effect that differs by sex and degree.
BETA = np.array([-0.3, 0.10, -0.10, 0.40, 0.20, 0.15, 0.30, -0.25])
TOL = 1e-6


def simulate(
    seed: int, n: int, n_clusters: int, beta: np.ndarray = BETA, cluster_sd: float = 0.4
) -> tuple[np.ndarray, pd.DataFrame, np.ndarray]:
    """Probit data with cluster-level confounding of moving and a cluster random effect.

    With latent ``x'beta + cluster_sd*u_g + e`` the population-averaged model is
    exactly probit with coefficients ``beta / sqrt(1 + cluster_sd**2)``, while
    errors stay correlated within clusters (so clustering matters for the SEs).
    """
    rng = np.random.default_rng(seed)
    cluster = rng.integers(0, n_clusters, n)
    area = rng.normal(size=n_clusters)[cluster]
    u = rng.normal(size=n_clusters)[cluster]
    female = rng.binomial(1, 0.5, n).astype(float)
    degree = rng.binomial(1, 0.3 + 0.1 * female).astype(float)
    age = rng.normal(size=n)
    move = rng.binomial(1, special.expit(-0.8 + 0.5 * degree - 0.3 * age + 0.5 * area))
    move = move.astype(float)
    X = pd.DataFrame(
        {
            "const": 1.0,
            "move": move,
            "female": female,
            "degree": degree,
            "age": age,
            "area": area,
            "move_x_female": move * female,
            "move_x_degree": move * degree,
        }
    )[COLUMNS]
    latent = X.to_numpy() @ beta + cluster_sd * u + rng.normal(size=n)
    y = (latent > 0).astype(float)
    labels = np.array([f"E{g:08d}" for g in range(n_clusters)])[cluster]  # LA-code-like
    return y, X, labels


def counterfactuals(X: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Treated / untreated designs built by hand (independently of set_treatment)."""
    x1, x0 = X.copy(), X.copy()
    x1["move"], x0["move"] = 1.0, 0.0
    x1["move_x_female"], x0["move_x_female"] = X["female"], 0.0
    x1["move_x_degree"], x0["move_x_degree"] = X["degree"], 0.0
    return x1, x0


def groups(X: pd.DataFrame) -> dict[str, np.ndarray]:
    return {
        "all": np.ones(len(X), dtype=bool),
        "women": X["female"].to_numpy() == 1,
        "men": X["female"].to_numpy() == 0,
        "degree": X["degree"].to_numpy() == 1,
        "no_degree": X["degree"].to_numpy() == 0,
    }


def numerical_jacobian(func, params: np.ndarray) -> np.ndarray:
    """Central finite differences with step 1e-6 scaled by the parameter size."""
    jac = np.empty_like(params)
    for j in range(params.size):
        h = 1e-6 * max(1.0, abs(params[j]))
        up, down = params.copy(), params.copy()
        up[j] += h
        down[j] -= h
        jac[j] = (func(up) - func(down)) / (2 * h)
    return jac


@pytest.fixture(scope="module")
def probit_case():
    y, X, labels = simulate(seed=11, n=4000, n_clusters=60)
    codes = pd.factorize(labels)[0]
    ref = sm.Probit(y, X).fit(
        disp=0, tol=1e-12, maxiter=100, cov_type="cluster", cov_kwds={"groups": codes}
    )
    return y, X, labels, ref


# --------------------------------------------------------------------------- #
# Fits and their covariance conventions
# --------------------------------------------------------------------------- #


def test_probit_fit_matches_statsmodels_and_documented_cluster_correction(probit_case):
    y, X, labels, ref = probit_case
    fit = fit_probit(y, X, labels)
    assert isinstance(fit, IndexModelFit)
    assert fit.link == "probit" and fit.names == tuple(COLUMNS)
    assert fit.nobs == len(y) and fit.n_clusters == 60
    np.testing.assert_allclose(fit.params, ref.params.to_numpy(), rtol=0, atol=1e-9)
    np.testing.assert_allclose(fit.cov, ref.cov_params().to_numpy(), rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(fit.std_errors(), ref.bse.to_numpy(), rtol=1e-7)

    # Documented correction: CRV1 sandwich * G/(G-1) * (N-1)/(N-K), built by hand.
    scores = ref.model.score_obs(ref.params.to_numpy())
    bread = np.linalg.inv(-ref.model.hessian(ref.params.to_numpy()))
    codes = pd.factorize(labels)[0]
    sums = np.zeros((60, scores.shape[1]))
    np.add.at(sums, codes, scores)
    n, k, g = len(y), X.shape[1], 60
    manual = bread @ (sums.T @ sums) @ bread * g / (g - 1) * (n - 1) / (n - k)
    np.testing.assert_allclose(fit.cov, manual, rtol=1e-7, atol=1e-12)
    assert not fit.params.flags.writeable and not fit.cov.flags.writeable


def test_unclustered_corrections_are_as_documented(probit_case):
    y, X, _, ref = probit_case
    n, k = X.shape
    probit = fit_probit(y, X)
    hc0 = sm.Probit(y, X).fit(disp=0, tol=1e-12, cov_type="HC0")
    assert probit.n_clusters is None
    # statsmodels' "HC1" for discrete models carries no N/(N-K) factor.
    np.testing.assert_allclose(probit.cov, hc0.cov_params().to_numpy(), rtol=1e-7, atol=1e-12)

    linear = fit_linear(y, X)
    ols_hc0 = sm.OLS(y, X).fit(cov_type="HC0")
    np.testing.assert_allclose(
        linear.cov, ols_hc0.cov_params().to_numpy() * n / (n - k), rtol=1e-10, atol=1e-14
    )


def test_linear_fit_matches_statsmodels_cluster(probit_case):
    y, X, labels, _ = probit_case
    codes = pd.factorize(labels)[0]
    ref = sm.OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": codes})
    fit = fit_linear(y, X, labels)
    assert fit.link == "identity" and fit.n_clusters == 60
    np.testing.assert_allclose(fit.params, ref.params.to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(fit.cov, ref.cov_params().to_numpy(), rtol=1e-9, atol=1e-15)


# --------------------------------------------------------------------------- #
# Average marginal effects
# --------------------------------------------------------------------------- #


@pytest.fixture(scope="module")
def ame_case():
    """Continuous (age, area, income) and dummy (move, female, degree) regressors."""
    rng = np.random.default_rng(5)
    n, n_clusters = 3000, 50
    cluster = rng.integers(0, n_clusters, n)
    X = pd.DataFrame(
        {
            "const": 1.0,
            "age": rng.normal(size=n),
            "area": rng.normal(size=n_clusters)[cluster],
            "income": rng.gamma(2.0, 1.0, n),
            "move": rng.binomial(1, 0.3, n).astype(float),
            "female": rng.binomial(1, 0.5, n).astype(float),
            "degree": rng.binomial(1, 0.35, n).astype(float),
        }
    )
    beta = np.array([-0.4, 0.3, 0.2, -0.15, 0.25, -0.2, 0.45])
    latent = X.to_numpy() @ beta + 0.5 * rng.normal(size=n_clusters)[cluster]
    y = (latent + rng.normal(size=n) > 0).astype(float)
    return y, X, cluster


@pytest.mark.parametrize("dummy", [True, False])
def test_ame_matches_statsmodels_get_margeff(ame_case, dummy):
    y, X, cluster = ame_case
    ref = sm.Probit(y, X).fit(disp=0, tol=1e-12, cov_type="cluster", cov_kwds={"groups": cluster})
    marg = ref.get_margeff(at="overall", method="dydx", dummy=dummy)
    fit = fit_probit(y, X, cluster)
    dummies = ["move", "female", "degree"] if dummy else []
    ame = average_marginal_effects(fit, X, dummies)

    assert list(ame.columns) == ["term", "estimate", "std_error", "p_value"]
    assert list(ame["term"]) == [c for c in X.columns if c != "const"]
    np.testing.assert_allclose(ame["estimate"], marg.margeff, rtol=0, atol=TOL)
    np.testing.assert_allclose(ame["std_error"], marg.margeff_se, rtol=0, atol=TOL)
    np.testing.assert_allclose(ame["p_value"], marg.pvalues, rtol=1e-4, atol=1e-10)


def test_ame_dummy_and_derivative_definitions_differ(ame_case):
    """Guards the comparison above: the two definitions are distinguishable here."""
    y, X, cluster = ame_case
    fit = fit_probit(y, X, cluster)
    with_dummy = average_marginal_effects(fit, X, ["move", "female", "degree"])
    without = average_marginal_effects(fit, X, [])
    gap = (with_dummy["estimate"] - without["estimate"]).abs().to_numpy()
    assert gap[3:].min() > 10 * TOL  # dummy rows change
    assert gap[:3].max() == 0.0  # continuous rows do not


def test_linear_ame_is_coefficients(ame_case):
    y, X, cluster = ame_case
    fit = fit_linear(y, X, cluster)
    ame = average_marginal_effects(fit, X, ["move", "female", "degree"])
    np.testing.assert_allclose(ame["estimate"], fit.params[1:], rtol=1e-12)
    np.testing.assert_allclose(ame["std_error"], fit.std_errors()[1:], rtol=1e-12)


def test_ame_rejects_bad_dummy_and_columns(ame_case):
    y, X, cluster = ame_case
    fit = fit_probit(y, X, cluster)
    with pytest.raises(ValueError, match="income"):
        average_marginal_effects(fit, X, ["income"])  # not 0/1
    with pytest.raises(ValueError, match="not in the model"):
        average_marginal_effects(fit, X, ["nonsense"])
    with pytest.raises(ValueError, match="missing \\['degree'\\]"):
        average_marginal_effects(fit, X.drop(columns="degree"), [])
    # Column order does not matter, names do.
    shuffled = average_marginal_effects(fit, X[X.columns[::-1]], ["move"])
    np.testing.assert_allclose(
        shuffled["estimate"], average_marginal_effects(fit, X, ["move"])["estimate"]
    )


# --------------------------------------------------------------------------- #
# Counterfactual designs
# --------------------------------------------------------------------------- #


def test_set_treatment_matches_hand_built_designs(probit_case):
    _, X, _, _ = probit_case
    before = X.copy()
    x1, x0 = counterfactuals(X)
    pd.testing.assert_frame_equal(set_treatment(X, "move", 1.0, INTERACTIONS), x1)
    pd.testing.assert_frame_equal(set_treatment(X, "move", 0.0, INTERACTIONS), x0)
    pd.testing.assert_frame_equal(X, before)  # input untouched


def test_set_treatment_rejects_wrong_mapping(probit_case):
    _, X, _, _ = probit_case
    with pytest.raises(ValueError, match="move_x_female"):
        set_treatment(X, "move", 1.0, {"move_x_female": "degree"})
    with pytest.raises(ValueError, match="not in X"):
        set_treatment(X, "moved", 1.0, INTERACTIONS)
    with pytest.raises(ValueError, match="plain column"):
        set_treatment(X, "move", 1.0, {"move_x_female": "move"})


# --------------------------------------------------------------------------- #
# Within-group contrasts: probit against an independent numerical delta method
# --------------------------------------------------------------------------- #


def test_probit_within_group_contrasts_match_numerical_delta_method(probit_case):
    y, X, labels, ref = probit_case
    fit = fit_probit(y, X, labels)
    x1, x0 = counterfactuals(X)
    b_ref = ref.params.to_numpy()
    V_ref = ref.cov_params().to_numpy()

    estimates = {}
    for name, mask in groups(X).items():

        def effect(b, mask=mask):
            p1 = ref.model.predict(b, exog=x1.to_numpy()[mask])
            p0 = ref.model.predict(b, exog=x0.to_numpy()[mask])
            return float(np.mean(p1 - p0))

        # Sanity: predictions at the estimate agree with the results object.
        np.testing.assert_allclose(
            np.asarray(ref.predict(x1[mask])), ref.model.predict(b_ref, exog=x1[mask].to_numpy())
        )
        jac = numerical_jacobian(effect, b_ref)
        want_est, want_se = effect(b_ref), float(np.sqrt(jac @ V_ref @ jac))

        got = average_contrast(fit, x1, x0, mask)
        assert isinstance(got, Estimate)
        assert got.n == int(mask.sum())
        assert got.estimate == pytest.approx(want_est, abs=TOL)
        assert got.std_error == pytest.approx(want_se, abs=TOL)
        want_p = 2 * stats.norm.sf(abs(want_est / want_se))
        assert got.p_value == pytest.approx(want_p, rel=1e-4, abs=1e-12)
        estimates[name] = (got, effect, jac)

    # The groups really do differ, so the checks above are not one number repeated.
    assert abs(estimates["women"][0].estimate - estimates["men"][0].estimate) > 0.02

    for a, b in (("women", "men"), ("degree", "no_degree")):
        ga, gb = groups(X)[a], groups(X)[b]
        diff = difference_of_contrasts(fit, (x1, x0, ga), (x1, x0, gb))

        def diff_fn(beta, fa=estimates[a][1], fb=estimates[b][1]):
            return fa(beta) - fb(beta)

        jac = numerical_jacobian(diff_fn, b_ref)
        want_est, want_se = diff_fn(b_ref), float(np.sqrt(jac @ V_ref @ jac))
        assert diff.estimate == pytest.approx(want_est, abs=TOL)
        assert diff.std_error == pytest.approx(want_se, abs=TOL)
        assert diff.n == len(X)  # complementary groups cover everyone
        # Joint SE, not the naive independent-groups one.
        naive = np.hypot(estimates[a][0].std_error, estimates[b][0].std_error)
        assert abs(diff.std_error - naive) > 1e-4
        wald = want_est**2 / want_se**2
        assert diff.p_value == pytest.approx(stats.chi2.sf(wald, 1), rel=1e-4)


def test_rows_as_mask_or_positions_and_validation(probit_case):
    y, X, labels, _ = probit_case
    fit = fit_probit(y, X, labels)
    x1, x0 = counterfactuals(X)
    mask = X["female"].to_numpy() == 1
    by_mask = average_contrast(fit, x1, x0, mask)
    by_pos = average_contrast(fit, x1, x0, np.flatnonzero(mask))
    assert by_mask == by_pos
    assert average_contrast(fit, x1, x0).n == len(X)
    with pytest.raises(ValueError, match="no observations"):
        average_contrast(fit, x1, x0, np.zeros(len(X), dtype=bool))
    with pytest.raises(ValueError, match="rows"):
        average_contrast(fit, x1, x0.iloc[:-1], None)
    with pytest.raises(ValueError, match="extra \\['junk'\\]"):
        average_contrast(fit, x1.assign(junk=1.0), x0)
    with pytest.raises(ValueError, match="out of range"):
        average_contrast(fit, x1, x0, np.array([0, len(X)]))


# --------------------------------------------------------------------------- #
# Linear model: contrasts are linear combinations of coefficients
# --------------------------------------------------------------------------- #


def test_linear_contrasts_equal_t_test(probit_case):
    y, X, labels, _ = probit_case
    codes = pd.factorize(labels)[0]
    ref = sm.OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": codes}, use_t=False)
    fit = fit_linear(y, X, labels)
    x1, x0 = counterfactuals(X)

    def restriction(mask: np.ndarray) -> np.ndarray:
        r = np.zeros(len(COLUMNS))
        r[COLUMNS.index("move")] = 1.0
        r[COLUMNS.index("move_x_female")] = X["female"].to_numpy()[mask].mean()
        r[COLUMNS.index("move_x_degree")] = X["degree"].to_numpy()[mask].mean()
        return r

    g = groups(X)
    for name, mask in g.items():
        tt = ref.t_test(restriction(mask))
        got = average_contrast(fit, x1, x0, mask)
        assert got.estimate == pytest.approx(float(tt.effect[0]), abs=TOL), name
        assert got.std_error == pytest.approx(float(tt.sd[0, 0]), abs=TOL), name
        assert got.p_value == pytest.approx(float(tt.pvalue), rel=1e-6, abs=1e-12), name

    for a, b in (("women", "men"), ("degree", "no_degree")):
        tt = ref.t_test(restriction(g[a]) - restriction(g[b]))
        got = difference_of_contrasts(fit, (x1, x0, g[a]), (x1, x0, g[b]))
        assert got.estimate == pytest.approx(float(tt.effect[0]), abs=TOL)
        assert got.std_error == pytest.approx(float(tt.sd[0, 0]), abs=TOL)
        assert got.p_value == pytest.approx(float(tt.pvalue), rel=1e-6, abs=1e-12)


# --------------------------------------------------------------------------- #
# Recovery of planted effects and calibration of the standard errors
# --------------------------------------------------------------------------- #


def test_recovers_planted_within_group_effects():
    cluster_sd = 0.4
    y, X, labels = simulate(seed=2024, n=20_000, n_clusters=150, cluster_sd=cluster_sd)
    fit = fit_probit(y, X, labels)
    assert fit.n_clusters == 150
    x1, x0 = counterfactuals(X)
    # Population-averaged (marginal) probit coefficients implied by the simulation.
    true_b = BETA / np.sqrt(1 + cluster_sd**2)

    def true_effect(mask: np.ndarray) -> float:
        return float(
            np.mean(
                special.ndtr(x1.to_numpy()[mask] @ true_b)
                - special.ndtr(x0.to_numpy()[mask] @ true_b)
            )
        )

    g = groups(X)
    for name, mask in g.items():
        est = average_contrast(fit, x1, x0, mask)
        truth = true_effect(mask)
        assert abs(est.estimate - truth) < 3 * est.std_error, (name, est, truth)

    for a, b in (("women", "men"), ("degree", "no_degree")):
        est = difference_of_contrasts(fit, (x1, x0, g[a]), (x1, x0, g[b]))
        truth = true_effect(g[a]) - true_effect(g[b])
        assert abs(est.estimate - truth) < 3 * est.std_error, (a, b, est, truth)
        # Power: the planted group differences are large relative to the SE, so a
        # sign or group mix-up would fail the 3-SE check above.
        assert abs(truth) > 4 * est.std_error
        assert est.p_value < 0.01


def test_contrast_standard_errors_are_calibrated():
    """Across replications with X fixed, the SD of the estimate matches the mean SE."""
    _, X, labels = simulate(seed=7, n=1500, n_clusters=60)
    x1, x0 = counterfactuals(X)
    women = X["female"].to_numpy() == 1
    rng = np.random.default_rng(99)
    codes = pd.factorize(labels)[0]
    index = X.to_numpy() @ BETA
    est, se = [], []
    for _ in range(150):
        u = rng.normal(size=codes.max() + 1)[codes]
        y = (index + 0.6 * u + rng.normal(size=len(X)) > 0).astype(float)
        fit = fit_probit(y, X, labels)
        e = difference_of_contrasts(fit, (x1, x0, women), (x1, x0, ~women))
        est.append(e.estimate)
        se.append(e.std_error)
    ratio = np.mean(se) / np.std(est, ddof=1)
    assert 0.8 < ratio < 1.25, ratio


# --------------------------------------------------------------------------- #
# Failures surface as readable ValueErrors
# --------------------------------------------------------------------------- #


def test_perfect_prediction_by_a_dummy_names_the_column(probit_case):
    y, X, labels, _ = probit_case
    y2 = y.copy()
    y2[X["move_x_degree"].to_numpy() == 1] = 1.0
    with pytest.raises(ValueError, match="separation.*move_x_degree"):
        fit_probit(y2, X, labels)


def test_separation_by_a_combination_of_columns_is_an_error(probit_case):
    y, X, labels, _ = probit_case
    # Men who moved (move - move_x_female) all have y = 1: no single column separates.
    cell = (X["move"] == 1).to_numpy() & (X["female"] == 0).to_numpy()
    y2 = y.copy()
    y2[cell] = 1.0
    with pytest.raises(ValueError, match="separation") as info:
        fit_probit(y2, X, labels)
    assert "move_x_female" in str(info.value)


@pytest.mark.parametrize("fitter", [fit_probit, fit_linear])
def test_singular_design_names_columns(probit_case, fitter):
    y, X, labels, _ = probit_case
    dup = X.assign(age_months=X["age"] * 12.0)
    with pytest.raises(ValueError, match="singular.*age, age_months"):
        fitter(y, dup, labels)
    collinear = X.assign(no_degree=1.0 - X["degree"])
    with pytest.raises(ValueError, match="singular.*const.*degree.*no_degree"):
        fitter(y, collinear, labels)


def test_bad_inputs_are_rejected(probit_case):
    y, X, labels, _ = probit_case
    with pytest.raises(ValueError, match="0/1"):
        fit_probit(y * 2.0, X, labels)
    with pytest.raises(ValueError, match="constant"):
        fit_probit(np.ones_like(y), X, labels)
    with pytest.raises(ValueError, match="age"):
        fit_probit(y, X.assign(age=X["age"].where(X.index > 5)), labels)
    bad_labels = labels.astype(object)
    bad_labels[3] = None
    with pytest.raises(ValueError, match="missing labels"):
        fit_linear(y, X, bad_labels)
    with pytest.raises(ValueError, match="rows"):
        fit_linear(y[:-1], X, labels)


@pytest.mark.filterwarnings("ignore::statsmodels.tools.sm_exceptions.PerfectSeparationWarning")
def test_pseudo_true_fit_is_the_fit_to_expected_outcomes(probit_case):
    """Correct model: the true coefficients; 0/1 outcomes: exactly the probit MLE."""
    y, X, _, _ = probit_case
    beta = np.linspace(-0.5, 0.5, X.shape[1])
    expected = special.ndtr(X.to_numpy() @ beta)
    assert np.allclose(pseudo_true_fit("probit", expected, X).params, beta, atol=1e-8)
    linear = pseudo_true_fit("identity", X.to_numpy() @ beta, X)
    assert np.allclose(linear.params, beta, atol=1e-10)
    ones_and_zeros = np.clip(y, 1e-12, 1 - 1e-12)  # strictly inside (0, 1)
    mle = sm.Probit(y, X).fit(disp=0, tol=1e-12).params
    assert np.allclose(pseudo_true_fit("probit", ones_and_zeros, X).params, mle, atol=1e-6)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        pseudo_true_fit("probit", y, X)
