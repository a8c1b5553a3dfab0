// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package covertest has the statistics the tests of send timing use:
// Kolmogorov–Smirnov statistics and their critical values, to check that
// inter-send gaps follow the same distribution with and without real traffic
// and that they are exponential.
//
// Critical values use the asymptotic Kolmogorov distribution: the null is
// rejected at level alpha when D > c(alpha) * sqrt((n+m)/(n*m)) (two-sample)
// or D > c(alpha) / sqrt(n) (one-sample), with c(alpha) = sqrt(-ln(alpha/2)/2):
// c(0.01) = 1.628, c(0.001) = 1.949. The asymptotic form is accurate from a
// few hundred points per sample.
package covertest

import (
	"math"
	"slices"
)

// C returns c(alpha), the asymptotic Kolmogorov critical constant.
func C(alpha float64) float64 { return math.Sqrt(-math.Log(alpha/2) / 2) }

// KS2 returns the two-sample KS statistic sup |F_a(x) - F_b(x)|. It does not
// modify a or b.
func KS2(a, b []float64) float64 {
	a, b = slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b))
	var i, j int
	var d float64
	for i < len(a) && j < len(b) {
		x := min(a[i], b[j])
		for i < len(a) && a[i] == x {
			i++
		}
		for j < len(b) && b[j] == x {
			j++
		}
		d = max(d, math.Abs(float64(i)/float64(len(a))-float64(j)/float64(len(b))))
	}
	return d
}

// KS2Crit is the two-sample critical value at level alpha for samples of n
// and m points.
func KS2Crit(alpha float64, n, m int) float64 {
	return C(alpha) * math.Sqrt(float64(n+m)/float64(n*m))
}

// KSExp returns the one-sample KS statistic of a against the exponential
// distribution with the given mean. It does not modify a.
func KSExp(a []float64, mean float64) float64 {
	a = slices.Sorted(slices.Values(a))
	n := float64(len(a))
	var d float64
	for i, x := range a {
		f := 1 - math.Exp(-x/mean)
		d = max(d, f-float64(i)/n, float64(i+1)/n-f)
	}
	return d
}

// KS1Crit is the one-sample critical value at level alpha for n points.
func KS1Crit(alpha float64, n int) float64 { return C(alpha) / math.Sqrt(float64(n)) }
