// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package covertest

import (
	"math"
	mrand "math/rand/v2"
	"testing"
)

func TestKS(t *testing.T) {
	if c := C(0.01); math.Abs(c-1.628) > 0.001 {
		t.Errorf("c(0.01) = %.4f", c)
	}
	if d := KS2([]float64{1, 2, 3}, []float64{1, 2, 3}); d != 0 {
		t.Errorf("identical samples: D = %v", d)
	}
	if d := KS2([]float64{1, 2}, []float64{3, 4}); d != 1 {
		t.Errorf("disjoint samples: D = %v", d)
	}
	if d := KS2([]float64{1, 3}, []float64{2, 4}); d != 0.5 {
		t.Errorf("interleaved samples: D = %v", d)
	}
	// Quantiles of Exp(1) at (i+0.5)/n fit with D = 0.5/n.
	var q []float64
	for i := range 1000 {
		q = append(q, -math.Log(1-(float64(i)+0.5)/1000))
	}
	if d := KSExp(q, 1); math.Abs(d-0.0005) > 1e-9 {
		t.Errorf("exact quantiles: D = %v", d)
	}
	if d := KSExp(q, 2); d < 0.2 {
		t.Errorf("wrong mean: D = %v, want a clear misfit", d)
	}
	if KS2Crit(0.01, 100, 100) != C(0.01)*math.Sqrt(0.02) || KS1Crit(0.01, 100) != C(0.01)/10 {
		t.Error("critical values")
	}
}

// TestKSRejects: samples from the same exponential pass, samples whose
// means differ by 25% are rejected, at 2000 points each.
func TestKSRejects(t *testing.T) {
	r := mrand.New(mrand.NewPCG(1, 2))
	draw := func(mean float64) []float64 {
		s := make([]float64, 2000)
		for i := range s {
			s[i] = r.ExpFloat64() * mean
		}
		return s
	}
	a, b, c := draw(1), draw(1), draw(1.25)
	crit := KS2Crit(0.01, len(a), len(b))
	if d := KS2(a, b); d > crit {
		t.Errorf("same distribution rejected: D = %.4f > %.4f", d, crit)
	}
	if d := KS2(a, c); d <= crit {
		t.Errorf("different means not rejected: D = %.4f <= %.4f", d, crit)
	}
}
