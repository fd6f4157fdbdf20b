namespace Aibench.Client.LoadGen;

/// <summary>
/// Send times of an open-loop step, in seconds from the step's start. A constant rate is a time-homogeneous
/// process; a ramp is the same process run through the inverse of its cumulative rate
/// Λ(t) = a·t + (b − a)·t² / (2T), which is exactly how an inhomogeneous Poisson process is built from a unit one.
/// </summary>
internal static class Arrivals
{
    public static IEnumerable<double> Schedule(StepPlan step, ArrivalKind kind, double burstiness, Random random)
    {
        var a = step.Rate ?? throw new ArgumentException("open-loop step without a rate", nameof(step));
        var b = step.RateTo ?? a;
        var horizon = step.Duration?.TotalSeconds ?? double.PositiveInfinity;
        // The first request goes at once, as in vLLM's benchmark; the gaps follow it.
        var unit = 0.0;
        while (true)
        {
            var t = Invert(unit, a, b, horizon);
            if (!(t < horizon))
            {
                yield break;
            }

            yield return t;
            unit += Gap(kind, burstiness, random);
        }
    }

    /// <summary>One inter-arrival gap of a unit-rate process (mean 1).</summary>
    public static double Gap(ArrivalKind kind, double burstiness, Random random) => kind switch
    {
        ArrivalKind.Constant => 1.0,
        ArrivalKind.Poisson => -Math.Log(1.0 - random.NextDouble()),
        // Shape k, scale 1/k: mean 1, variance 1/k. k = 1 is Poisson, as in vLLM's --burstiness.
        _ => Gamma(burstiness, random) / burstiness,
    };

    private static double Invert(double unit, double a, double b, double horizon)
    {
        if (unit == 0)
        {
            return 0;
        }

        if (a == b || double.IsInfinity(horizon))
        {
            return unit / a;
        }

        var slope = (b - a) / horizon;
        // Solve a·t + slope·t²/2 = unit for the positive root, written to stay exact when slope is tiny.
        return 2 * unit / (a + Math.Sqrt((a * a) + (2 * slope * unit)));
    }

    /// <summary>Marsaglia and Tsang's method; shapes below 1 use the boost Gamma(k) = Gamma(k+1)·U^(1/k).</summary>
    public static double Gamma(double shape, Random random)
    {
        if (shape < 1)
        {
            return Gamma(shape + 1, random) * Math.Pow(1.0 - random.NextDouble(), 1.0 / shape);
        }

        var d = shape - (1.0 / 3);
        var c = 1.0 / Math.Sqrt(9 * d);
        while (true)
        {
            double x, v;
            do
            {
                x = Normal(random);
                v = 1 + (c * x);
            }
            while (v <= 0);

            v = v * v * v;
            var u = 1.0 - random.NextDouble();
            if (Math.Log(u) < (0.5 * x * x) + d - (d * v) + (d * Math.Log(v)))
            {
                return d * v;
            }
        }
    }

    public static double Normal(Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
