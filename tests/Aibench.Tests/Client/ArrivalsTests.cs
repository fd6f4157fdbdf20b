using Aibench.Client.LoadGen;

namespace Aibench.Tests.Client;

public sealed class ArrivalsTests
{
    private static double[] Gaps(IEnumerable<double> times)
    {
        var t = times.ToArray();
        return [.. t.Zip(t.Skip(1), (a, b) => b - a)];
    }

    /// <summary>Kolmogorov–Smirnov statistic of a sample against the exponential distribution with the given rate.</summary>
    internal static double KsExponential(IReadOnlyList<double> sample, double rate)
    {
        var sorted = sample.Order().ToArray();
        var d = 0.0;
        for (var i = 0; i < sorted.Length; i++)
        {
            var cdf = 1 - Math.Exp(-rate * sorted[i]);
            d = Math.Max(d, Math.Max(((i + 1.0) / sorted.Length) - cdf, cdf - ((double)i / sorted.Length)));
        }

        return d;
    }

    /// <summary>Critical value of the one-sample KS test at the 1 % level.</summary>
    internal static double KsCritical1Percent(int n) => 1.628 / Math.Sqrt(n);

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(42)]
    public void Poisson_inter_arrivals_pass_a_kolmogorov_smirnov_test_at_1_percent(int seed)
    {
        var step = new StepPlan(null, 50, 50, TimeSpan.FromSeconds(60));
        var gaps = Gaps(Arrivals.Schedule(step, ArrivalKind.Poisson, 1, new Random(seed)));

        Assert.InRange(gaps.Length, 2700, 3300);
        Assert.True(KsExponential(gaps, 50) < KsCritical1Percent(gaps.Length), $"D = {KsExponential(gaps, 50)}");
    }

    [Fact]
    public void Constant_and_gamma_inter_arrivals_are_not_taken_for_poisson()
    {
        var step = new StepPlan(null, 50, 50, TimeSpan.FromSeconds(60));
        var constant = Gaps(Arrivals.Schedule(step, ArrivalKind.Constant, 1, new Random(1)));
        var bursty = Gaps(Arrivals.Schedule(step, ArrivalKind.Gamma, 0.25, new Random(1)));

        Assert.True(KsExponential(constant, 50) > KsCritical1Percent(constant.Length));
        Assert.True(KsExponential(bursty, 50) > KsCritical1Percent(bursty.Length));
        Assert.All(constant, g => Assert.Equal(0.02, g, 9));
    }

    [Theory]
    [InlineData(0.25)]
    [InlineData(0.5)]
    [InlineData(4)]
    public void Gamma_arrivals_keep_the_mean_rate_and_have_variance_one_over_burstiness(double burstiness)
    {
        var step = new StepPlan(null, 100, 100, TimeSpan.FromSeconds(400));
        var gaps = Gaps(Arrivals.Schedule(step, ArrivalKind.Gamma, burstiness, new Random(3)));
        var mean = gaps.Average();
        var cv2 = gaps.Sum(g => (g - mean) * (g - mean)) / gaps.Length / (mean * mean);

        Assert.InRange(mean, 0.0097, 0.0103);
        Assert.InRange(cv2, 0.9 / burstiness, 1.1 / burstiness);
    }

    [Fact]
    public void A_ramp_sends_what_its_linearly_rising_rate_integrates_to()
    {
        // 10 → 50 req/s over 10 s: Λ(t) = 10t + 2t², so 100 requests in the first 5 s and 200 in the last 5.
        var step = new StepPlan(null, 10, 50, TimeSpan.FromSeconds(10));
        var times = Arrivals.Schedule(step, ArrivalKind.Constant, 1, new Random(1)).ToArray();

        Assert.Equal(300, times.Length);
        Assert.Equal(100, times.Count(t => t < 5));
        for (var s = 0; s < 10; s++)
        {
            var expected = (10 * (s + 1)) + (2 * (s + 1) * (s + 1)) - (10 * s) - (2 * s * s);
            Assert.InRange(times.Count(t => t >= s && t < s + 1), expected - 1, expected + 1);
        }
    }

    [Fact]
    public void A_ramp_can_start_from_zero_and_go_down()
    {
        var up = Arrivals.Schedule(new StepPlan(null, 0, 20, TimeSpan.FromSeconds(10)), ArrivalKind.Constant, 1, new Random(1)).ToArray();
        var down = Arrivals.Schedule(new StepPlan(null, 20, 0, TimeSpan.FromSeconds(10)), ArrivalKind.Constant, 1, new Random(1)).ToArray();

        Assert.Equal(100, up.Length);
        Assert.InRange(down.Length, 99, 100);
        Assert.True(up.Count(t => t < 5) < 30);
        Assert.True(down.Count(t => t < 5) > 70);
        Assert.All(up.Concat(down), t => Assert.False(double.IsNaN(t)));
    }

    [Fact]
    public void The_same_seed_gives_the_same_schedule()
    {
        var step = new StepPlan(null, 30, 30, TimeSpan.FromSeconds(10));
        Assert.Equal(
            Arrivals.Schedule(step, ArrivalKind.Poisson, 1, new Random(5)).ToArray(),
            Arrivals.Schedule(step, ArrivalKind.Poisson, 1, new Random(5)).ToArray());
        Assert.NotEqual(
            Arrivals.Schedule(step, ArrivalKind.Poisson, 1, new Random(5)).ToArray(),
            Arrivals.Schedule(step, ArrivalKind.Poisson, 1, new Random(6)).ToArray());
    }
}
