using Aibench.Tests.Infrastructure;
using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Aibench.Tests.Host;

/// <summary>Each module's recurring work is scheduled at every start, with the cron its settings give.</summary>
public sealed class RecurringJobsTests
{
    private static List<RecurringJobDto> Recurring(AibenchFactory factory)
    {
        using var connection = factory.Services.GetRequiredService<JobStorage>().GetConnection();
        return connection.GetRecurringJobs();
    }

    [Fact]
    public async Task Every_modules_recurring_jobs_are_scheduled_at_start_with_their_settings()
    {
        await using var factory = new AibenchFactory(settings: new Dictionary<string, string?>
        {
            ["Monitor:ScrapeSeconds"] = "6",
        });
        _ = factory.Server;

        var jobs = Recurring(factory).ToDictionary(j => j.Id, j => j.Cron);
        Assert.Equal("*/6 * * * * *", jobs["monitor:scrape"]);
        Assert.Equal("17 * * * *", jobs["monitor:retention"]);
        Assert.Equal("23 * * * *", jobs["logs:retention"]);
        Assert.Equal("* * * * *", jobs["logs:tail"]);
        Assert.Equal(Cron.Minutely(), jobs["notifications:resume"]);
        Assert.StartsWith("*/", jobs["server:poll"]);
        Assert.StartsWith("*/", jobs["experiments:advance"]);
        // No Loki configured: no forwarder.
        Assert.DoesNotContain("logs:forward", jobs.Keys);
    }

    [Fact]
    public async Task A_job_switched_off_since_the_last_start_is_removed_from_the_lasting_store()
    {
        // Only Hangfire's PostgreSQL store outlives the host (the embedded default keeps jobs in memory).
        var skip = PostgresServer.Unavailable();
        Assert.SkipWhen(skip is not null, skip ?? "");
        var database = await PostgresServer.CreateDatabaseAsync();
        try
        {
            await using (var withLoki = new AibenchFactory(database, new Dictionary<string, string?> { ["Logs:Loki:Url"] = "http://127.0.0.1:9/" }))
            {
                _ = withLoki.Server;
                Assert.Contains(Recurring(withLoki), j => j.Id == "logs:forward");
            }

            await using var without = new AibenchFactory(database);
            _ = without.Server;
            var jobs = Recurring(without);
            Assert.Contains(jobs, j => j.Id == "server:poll");
            Assert.DoesNotContain(jobs, j => j.Id == "logs:forward");
        }
        finally
        {
            await PostgresServer.DropDatabaseAsync(database);
        }
    }
}
