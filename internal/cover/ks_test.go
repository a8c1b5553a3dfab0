// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package cover

import (
	"math"
	"slices"
	"testing"
)

// Kolmogorov–Smirnov helpers for the statistical tests.
//
// Critical values use the asymptotic Kolmogorov distribution: the null is
// rejected at level alpha when D > c(alpha) * sqrt((n+m)/(n*m)) (two-sample)
// or D > c(alpha) / sqrt(n) (one-sample), with c(alpha) = sqrt(-ln(alpha/2)/2):
// c(0.01) = 1.628, c(0.001) = 1.949. The samples here have 10^4 or more
// points, where the asymptotic form is accurate.

func ksC(alpha float64) float64 { return math.Sqrt(-math.Log(alpha/2) / 2) }

// ks2 returns the two-sample KS statistic sup |F_a(x) - F_b(x)|.
func ks2(a, b []float64) float64 {
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

// ks2Crit is the two-sample critical value at level alpha.
func ks2Crit(alpha float64, n, m int) float64 {
	return ksC(alpha) * math.Sqrt(float64(n+m)/float64(n*m))
}

// ksExp returns the one-sample KS statistic of a against Exp(mean).
func ksExp(a []float64, mean float64) float64 {
	a = slices.Sorted(slices.Values(a))
	n := float64(len(a))
	var d float64
	for i, x := range a {
		f := 1 - math.Exp(-x/mean)
		d = max(d, f-float64(i)/n, float64(i+1)/n-f)
	}
	return d
}

// ks1Crit is the one-sample critical value at level alpha.
func ks1Crit(alpha float64, n int) float64 { return ksC(alpha) / math.Sqrt(float64(n)) }

func TestKSHelpers(t *testing.T) {
	if c := ksC(0.01); math.Abs(c-1.628) > 0.001 {
		t.Errorf("c(0.01) = %.4f", c)
	}
	if d := ks2([]float64{1, 2, 3}, []float64{1, 2, 3}); d != 0 {
		t.Errorf("identical samples: D = %v", d)
	}
	if d := ks2([]float64{1, 2}, []float64{3, 4}); d != 1 {
		t.Errorf("disjoint samples: D = %v", d)
	}
	// Quantiles of Exp(1) at (i+0.5)/n fit with D = 0.5/n.
	var q []float64
	for i := range 1000 {
		q = append(q, -math.Log(1-(float64(i)+0.5)/1000))
	}
	if d := ksExp(q, 1); math.Abs(d-0.0005) > 1e-9 {
		t.Errorf("exact quantiles: D = %v", d)
	}
}
