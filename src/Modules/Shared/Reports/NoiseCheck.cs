namespace Aibench.Shared.Reports;

/// <summary>
/// Whether two runs differ in a number by more than each run's own spread (docs/reports.md, "Beyond the noise"). Each
/// run is cut into batches of equal time and the number is computed on each batch (the batch-means method: batches of a
/// steady run are close to independent even though neighbouring requests are not); Welch's t-test then compares the two
/// sets of batch values. A comparison of many numbers tests each at α / numbers (Bonferroni), so that one number of
/// a dozen is not called different by chance. Pure.
/// </summary>
public static class NoiseCheck
{
    /// <summary>The family-wise false-alarm rate a comparison keeps to.</summary>
    public const double Alpha = 0.01;

    /// <summary>Batches a run is cut into.</summary>
    public const int Batches = 10;

    /// <summary>What the test says about one number of two runs.</summary>
    /// <param name="T">Welch's t.</param>
    /// <param name="DegreesOfFreedom">Welch–Satterthwaite degrees of freedom.</param>
    /// <param name="P">Two-sided p-value.</param>
    /// <param name="Different">P below the level asked for.</param>
    public sealed record Verdict(double T, double DegreesOfFreedom, double P, bool Different);

    /// <summary>Welch's test of the batch values of a and b at level <paramref name="alpha"/>; null with fewer than 2 values on a side.</summary>
    public static Verdict? Compare(IReadOnlyList<double> a, IReadOnlyList<double> b, double alpha)
    {
        if (a.Count < 2 || b.Count < 2) return null;
        var (ma, va) = MeanVariance(a);
        var (mb, vb) = MeanVariance(b);
        var (sa, sb) = (va / a.Count, vb / b.Count);
        var se = Math.Sqrt(sa + sb);
        if (se == 0)
        {
            // No spread at all on either side (a constant): equal values are the same, others differ.
            var same = ma == mb;
            return new Verdict(same ? 0 : double.PositiveInfinity, a.Count + b.Count - 2, same ? 1 : 0, !same);
        }

        var t = (ma - mb) / se;
        var df = ((sa + sb) * (sa + sb)) / ((sa * sa / (a.Count - 1)) + (sb * sb / (b.Count - 1)));
        var p = TwoSidedP(t, df);
        return new Verdict(t, df, p, p < alpha);
    }

    /// <summary>P(|T| ≥ |t|) for Student's t with df degrees of freedom: I_{df/(df+t²)}(df/2, 1/2).</summary>
    public static double TwoSidedP(double t, double df) =>
        double.IsInfinity(t) ? 0 : Math.Clamp(RegularizedBeta(df / (df + (t * t)), df / 2, 0.5), 0, 1);

    private static (double Mean, double Variance) MeanVariance(IReadOnlyList<double> values)
    {
        var mean = values.Average();
        var variance = values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1);
        return (mean, variance);
    }

    /// <summary>I_x(a, b), by its continued fraction (Numerical Recipes, 6.4), on the side where it converges fast.</summary>
    private static double RegularizedBeta(double x, double a, double b)
    {
        if (x <= 0) return 0;
        if (x >= 1) return 1;
        var front = Math.Exp(LogGamma(a + b) - LogGamma(a) - LogGamma(b) + (a * Math.Log(x)) + (b * Math.Log(1 - x)));
        return x < (a + 1) / (a + b + 2) ? front * ContinuedFraction(x, a, b) / a : 1 - (front * ContinuedFraction(1 - x, b, a) / b);
    }

    private static double ContinuedFraction(double x, double a, double b)
    {
        const double Tiny = 1e-300;
        var (qab, qap, qam) = (a + b, a + 1, a - 1);
        var c = 1.0;
        var d = 1 - (qab * x / qap);
        d = 1 / (Math.Abs(d) < Tiny ? Tiny : d);
        var h = d;
        for (var m = 1; m <= 300; m++)
        {
            var m2 = 2 * m;
            var aa = m * (b - m) * x / ((qam + m2) * (a + m2));
            d = 1 + (aa * d);
            d = 1 / (Math.Abs(d) < Tiny ? Tiny : d);
            c = 1 + (aa / c);
            c = Math.Abs(c) < Tiny ? Tiny : c;
            h *= d * c;
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
            d = 1 + (aa * d);
            d = 1 / (Math.Abs(d) < Tiny ? Tiny : d);
            c = 1 + (aa / c);
            c = Math.Abs(c) < Tiny ? Tiny : c;
            var delta = d * c;
            h *= delta;
            if (Math.Abs(delta - 1) < 1e-12) break;
        }

        return h;
    }

    /// <summary>ln Γ(x) by Lanczos' approximation (g = 7, 9 terms), good to about 15 digits for x > 0.</summary>
    private static double LogGamma(double x)
    {
        double[] g = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
            12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
        if (x < 0.5) return Math.Log(Math.PI / Math.Abs(Math.Sin(Math.PI * x))) - LogGamma(1 - x);
        x -= 1;
        var sum = g[0];
        for (var i = 1; i < g.Length; i++)
        {
            sum += g[i] / (x + i);
        }

        var t = x + 7.5;
        return (0.5 * Math.Log(2 * Math.PI)) + ((x + 0.5) * Math.Log(t)) - t + Math.Log(sum);
    }
}
