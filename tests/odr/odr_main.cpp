// Links odr_a.cpp and odr_b.cpp into one binary; both must compute the same.
#include <cstdio>

double odr_a();
double odr_b();

int main() {
  const double a = odr_a(), b = odr_b();
  if (a != b || a == 0.0) {
    std::printf("odr_test: the two translation units disagree: %.17g vs %.17g\n", a, b);
    return 1;
  }
  std::printf("odr_test: both translation units agree (%.17g)\n", a);
  return 0;
}
