using Polly;
using Polly.Retry;

namespace Aibench.Server.Scheduling;

internal static class SchedulerRetry
{
    /// <summary>Retries calls that failed because the scheduler could not be asked, with jittered exponential backoff.</summary>
    public static ResiliencePipeline For(SchedulerSettings settings)
    {
        var builder = new ResiliencePipelineBuilder();
        if (settings.Retries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<SchedulerUnavailableException>(),
                MaxRetryAttempts = settings.Retries,
                BackoffType = DelayBackoffType.Exponential,
                Delay = settings.RetryDelay,
                UseJitter = true,
            });
        }

        return builder.Build();
    }
}
