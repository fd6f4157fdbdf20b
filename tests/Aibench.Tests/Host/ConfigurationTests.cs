using Aibench.Host.Configuration;
using Aibench.Host.Hosting;
using Microsoft.Extensions.Configuration;

namespace Aibench.Tests.Host;

public sealed class ConfigurationTests
{
    private static AibenchSettings Load(params (string Key, string Value)[] values) =>
        AibenchSettings.Load(
            new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build(),
            AibenchHost.Modules);

    private static IReadOnlyList<string> Errors(params (string Key, string Value)[] values) =>
        Assert.Throws<ConfigurationException>(() => Load(values)).Errors;

    [Fact]
    public void Defaults_bind_to_loopback_on_port_8000_with_sqlite_in_the_data_folder()
    {
        var settings = Load(("Home", "/tmp/aibench-defaults"));
        Assert.Equal(new Uri("http://127.0.0.1:8000"), settings.Url);
        Assert.True(settings.IsLoopback);
        Assert.Equal(Aibench.Shared.Persistence.DatabaseProvider.Sqlite, settings.Database.Provider);
        Assert.Contains("/tmp/aibench-defaults/aibench.db", settings.Database.ConnectionString);
        Assert.Empty(settings.ModulePorts);
    }

    [Fact]
    public void Postgres_is_chosen_when_its_connection_string_is_given()
    {
        var settings = Load(("ConnectionStrings:Postgres", "Host=db.example;Port=5433;Username=me"));
        Assert.Equal(Aibench.Shared.Persistence.DatabaseProvider.Postgres, settings.Database.Provider);
    }

    [Theory]
    [InlineData("Shceduler:Kind", "slurm", "Shceduler")]
    [InlineData("Modules:Sever:Port", "8001", "Modules:Sever")]
    [InlineData("Modules:Server:Prot", "8001", "Modules:Server:Prot")]
    [InlineData("Modules:Server:Port", "eighty", "Modules:Server:Port")]
    [InlineData("Modules:Server:Port", "70000", "Modules:Server:Port")]
    [InlineData("Modules:Server:Port", "8000", "Modules:Server:Port")]
    [InlineData("Kestrel:Endpoints:Open:Url", "http://0.0.0.0:9000", "Kestrel")]
    [InlineData("Log:Level", "Loud", "Log:Level")]
    [InlineData("Metrics:Anonymous", "yes", "Metrics:Anonymous")]
    [InlineData("Hangfire:Workers", "0", "Hangfire:Workers")]
    [InlineData("Token", "short", "Token")]
    [InlineData("Urls", "not a url", "Urls")]
    [InlineData("Urls", "http://0.0.0.0:8000", "AllowRemote")]
    [InlineData("Urls", "http://127.0.0.1:8000;http://127.0.0.1:9000", "Urls")]
    [InlineData("AllowRemote", "maybe", "AllowRemote")]
    [InlineData("ConnectionStrings:Postgres", "Hots=x;;=", "ConnectionStrings:Postgres")]
    [InlineData("ConnectionStrings:Mysql", "x", "ConnectionStrings:Mysql")]
    [InlineData("Scheduler:Breaker:Failures", "1", "Scheduler:Breaker:Failures")]
    [InlineData("Scheduler:Breaker:Window", "100ms", "Scheduler:Breaker:Window")]
    [InlineData("Scheduler:Breaker:BreakFor", "2d", "Scheduler:Breaker:BreakFor")]
    [InlineData("Scheduler:Breaker:Break", "15s", "Scheduler:Breaker:Break")]
    public void A_bad_setting_is_named_in_the_error(string key, string value, string named)
    {
        var errors = Errors((key, value));
        Assert.Contains(errors, e => e.Contains(named, StringComparison.Ordinal));
    }

    [Fact]
    public void The_scheduler_breaker_has_defaults_and_takes_each_key()
    {
        static Aibench.Shared.Resilience.BreakerPolicy Breaker(params (string Key, string Value)[] values)
        {
            var errors = new List<string>();
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string,
                string?>(v.Key, v.Value))).Build();
            var (_, scheduler) = Aibench.Server.ServerSettings.Load(configuration, new Aibench.Shared.Modules.DataFolder("/tmp/aibench-breaker"),
                errors);
            Assert.Empty(errors);
            return scheduler.Breaker;
        }

        Assert.Equal(new(3, TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(15)), Breaker());
        Assert.Equal(new(5, TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1)),
            Breaker(("Scheduler:Breaker:Failures", "5"), ("Scheduler:Breaker:Window", "30s"), ("Scheduler:Breaker:BreakFor", "1m")));
    }

    [Fact]
    public void Every_bad_setting_is_reported_at_once()
    {
        var errors = Errors(("Log:Level", "Loud"), ("Modules:Client:Port", "x"), ("Bogus", "1"));
        Assert.Equal(3, errors.Count);
    }

    [Fact]
    public void Two_modules_cannot_share_a_port()
    {
        var errors = Errors(("Modules:Server:Port", "8001"), ("Modules:Client:Port", "8001"));
        Assert.Contains(errors, e => e.StartsWith("Modules:Client:Port", StringComparison.Ordinal));
    }

    [Fact]
    public void Remote_binding_is_accepted_only_when_asked_for()
    {
        var settings = Load(("Urls", "http://0.0.0.0:8000"), ("AllowRemote", "true"));
        Assert.False(settings.IsLoopback);
    }

    [Fact]
    public void Module_ports_are_read_per_module()
    {
        var settings = Load(("Modules:Server:Port", "8001"), ("Modules:Logs:Port", "8004"));
        Assert.Equal(8001, settings.ModulePorts["Server"]);
        Assert.Equal(8004, settings.ModulePorts["Logs"]);
    }
}
