// tests/support/gradcheck.hpp: finite-difference gradient checks.
//
// Central differences, 2 or 4 evaluations per entry:
//   2-point:  numeric_i = (L(v + h e_i) - L(v - h e_i)) / (2h)                       error O(h^2)
//   5-point:  numeric_i = (8 (L(v+h) - L(v-h)) - (L(v+2h) - L(v-2h))) / (12h)        error O(h^4)
// Double uses the 5-point stencil with h = 1e-3: its truncation error (~h^4)
// and rounding error (~eps |L| / h) are both near 1e-13, so gradients of
// size 1e-6 are still checked to a relative 1e-6.
//
// error_i = |analytic_i - numeric_i| / max(|analytic_i|, |numeric_i|, floor)
// `floor` keeps entries that are zero up to rounding from turning a 1e-17
// difference into a relative error of 1: an entry below floor is held to an
// absolute error of bound * floor. Each variable reports its worst entry.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include <genattn/core/params.hpp>

namespace genattn_test {

using genattn::Index;

struct GradTolerance {
  double step;     ///< h
  double bound;    ///< largest accepted relative error
  double floor;    ///< see above
  bool five_point; ///< 5-point stencil instead of 2-point
};

/// Double precision: 5-point, h = 1e-3, relative error <= 1e-6 (absolute 1e-12 below 1e-6).
inline constexpr GradTolerance kDouble{1e-3, 1e-6, 1e-6, true};
/// Float: 2-point, h = 1e-2, relative error <= 2e-2 (float rounding dominates).
inline constexpr GradTolerance kFloat{1e-2, 2e-2, 1e-3, false};

/// One thing to perturb: `size` scalars at `values`, whose analytic gradient
/// is at `analytic`.
template <class T>
struct Variable {
  std::string name;
  T* values;
  const T* analytic;
  Index size;
};

/// Checks every entry of every variable; `loss` recomputes the loss from the
/// current values. Reports failures with the variable's name and entry.
template <class T>
void expect_gradients_match(const std::vector<Variable<T>>& vars, const std::function<double()>& loss,
                            const GradTolerance& tol) {
  ASSERT_FALSE(vars.empty());
  Index checked = 0;
  for (const auto& v : vars) {
    double worst = 0.0;
    Index worst_i = -1;
    double worst_a = 0.0, worst_n = 0.0;
    for (Index i = 0; i < v.size; ++i) {
      const T saved = v.values[i];
      auto at = [&](double offset) {
        v.values[i] = static_cast<T>(static_cast<double>(saved) + offset);
        const double l = loss();
        v.values[i] = saved;
        return l;
      };
      const double h = tol.step;
      const double d1 = at(h) - at(-h);
      const double numeric = tol.five_point ? (8.0 * d1 - (at(2 * h) - at(-2 * h))) / (12.0 * h) : d1 / (2.0 * h);
      const double analytic = static_cast<double>(v.analytic[i]);
      const double scale = std::max({std::abs(analytic), std::abs(numeric), tol.floor});
      const double err = std::abs(analytic - numeric) / scale;
      // Keep the worst entry; a NaN stays the worst once seen.
      if (worst_i < 0 || (!std::isnan(worst) && (std::isnan(err) || err > worst))) {
        worst = err;
        worst_i = i;
        worst_a = analytic;
        worst_n = numeric;
      }
      ++checked;
    }
    EXPECT_LE(worst, tol.bound) << "gradient of '" << v.name << "' entry " << worst_i << ": analytic " << worst_a
                                << ", numeric " << worst_n;
  }
  EXPECT_GT(checked, 0);
}

/// A variable per slot of `layout` (values in `p`, analytic gradient in `g`).
template <class T>
std::vector<Variable<T>> parameter_variables(const genattn::ParamLayout& layout, genattn::ParamBuffer<T>& p,
                                             const genattn::ParamBuffer<T>& g) {
  std::vector<Variable<T>> vars;
  for (const auto& s : layout.slots())
    vars.push_back({s.name, p.flat().data() + s.param.offset, g.flat().data() + s.param.offset, s.param.size()});
  return vars;
}

/// max_ij |a - b| / max_ij |b|: the error relative to the reference's scale.
template <class A, class B>
double relative_difference(const A& a, const B& b) {
  const double scale = std::max(1e-300, static_cast<double>(b.cwiseAbs().maxCoeff()));
  return static_cast<double>((a.template cast<double>() - b.template cast<double>()).cwiseAbs().maxCoeff()) / scale;
}

}  // namespace genattn_test
