using Aibench.Host.Configuration;
using Aibench.Host.Hosting;
using Aibench.Notifications;
using Aibench.Notifications.Delivery;
using Microsoft.Extensions.Configuration;

namespace Aibench.Tests.Notifications;

/// <summary>Every Notifications key is checked at start-up, errors name the key, and secrets never appear in them.</summary>
public sealed class NotificationSettingsTests
{
    private const string Secret = "s3cr3t-t0ken-value";

    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    private static NotificationsSettings Load(params (string Key, string Value)[] values)
    {
        var errors = new List<string>();
        var settings = NotificationsSettings.Load(Config(values), errors);
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        return settings;
    }

    /// <summary>The host's own check, as at start-up: every module's keys, all errors at once.</summary>
    private static IReadOnlyList<string> Errors(params (string Key, string Value)[] values) =>
        Assert.Throws<ConfigurationException>(() => AibenchSettings.Load(Config(values), AibenchHost.Modules)).Errors;

    [Fact]
    public void Nothing_is_configured_by_default_and_retries_follow_the_documented_backoff()
    {
        var settings = Load();
        Assert.Empty(settings.Targets);
        Assert.Null(settings.Email);
        Assert.Equal(TimeSpan.FromSeconds(10), settings.Timeout);
        Assert.Equal([10, 30, 120, 600, 1800], settings.RetryDelays.Select(d => d.TotalSeconds));
        Assert.Equal(6, settings.MaxAttempts);
    }

    [Fact]
    public void Webhooks_are_read_as_a_list_with_headers_event_filters_and_a_masked_display()
    {
        var settings = Load(
            ("Notifications:Webhooks:0:Url", "https://hooks.slack.com/services/T000/B000/XXXX"),
            ("Notifications:Webhooks:0:Name", "team chat"),
            ("Notifications:Webhooks:1:Url", "http://127.0.0.1:9000/hook"),
            ("Notifications:Webhooks:1:Headers:Authorization", $"Bearer {Secret}"),
            ("Notifications:Webhooks:1:Events:0", "experiment.failed"),
            ("Notifications:Webhooks:1:Events:1", "service.failed"),
            ("Notifications:RetryDelays", "1s, 2m"));

        var (chat, own) = (settings.Webhooks[0], settings.Webhooks[1]);
        Assert.Equal("team chat (https://hooks.slack.com/***)", chat.Display);
        Assert.Null(chat.Events);
        Assert.True(chat.Wants(NotificationKind.ExperimentCompleted));
        Assert.Equal("webhook 1 (http://127.0.0.1:9000/***)", own.Display);
        Assert.Equal($"Bearer {Secret}", own.Headers["authorization"]);
        Assert.True(own.Wants(NotificationKind.ServiceFailed));
        Assert.False(own.Wants(NotificationKind.ExperimentCompleted));
        Assert.True(own.Wants(NotificationKind.Test));
        // The key identifies the target without holding its address.
        Assert.StartsWith("webhook:", own.Key);
        Assert.DoesNotContain("9000", own.Key);
        Assert.Equal([1, 120], settings.RetryDelays.Select(d => d.TotalSeconds));
        Assert.Equal(3, settings.MaxAttempts);
    }

    [Fact]
    public void Email_reads_recipients_as_a_list_or_comma_separated_and_is_off_unless_enabled()
    {
        Assert.Null(Load(("Notifications:Email:To", "ops@example.org")).Email);
        var email = Load(("Notifications:Email:Enabled", "true"), ("Notifications:Email:To", "ops@example.org, alice"),
            ("Notifications:Email:Sendmail", "/bin/cat")).Email!;
        Assert.Equal(["ops@example.org", "alice"], email.To);
        Assert.Equal("/bin/cat", email.Sendmail);
        Assert.Contains("@", email.From);
        Assert.Equal("e-mail to ops@example.org, alice", email.Display);
    }

    [Theory]
    [InlineData("Notifications:Bogus", "1", "Notifications:Bogus")]
    [InlineData("Notifications:BaseUrl", "ftp://x", "Notifications:BaseUrl")]
    [InlineData("Notifications:Timeout", "forever", "Notifications:Timeout")]
    [InlineData("Notifications:Timeout", "10m", "Notifications:Timeout")]
    [InlineData("Notifications:RetryDelays:1", "soon", "Notifications:RetryDelays:1")]
    [InlineData("Notifications:RetryDelays", "10s,-1s", "Notifications:RetryDelays")]
    [InlineData("Notifications:Webhooks", "http://x", "Notifications:Webhooks")]
    [InlineData("Notifications:Webhooks:first:Url", "http://x", "Notifications:Webhooks:first")]
    [InlineData("Notifications:Webhooks:0:Name", "x", "Notifications:Webhooks:0:Url")]
    [InlineData("Notifications:Webhooks:0:Url", "mailto:ops@example.org", "Notifications:Webhooks:0:Url")]
    [InlineData("Notifications:Webhooks:0:Uri", "http://x", "Notifications:Webhooks:0:Uri")]
    [InlineData("Notifications:Webhooks:0:Url", "https://user:pw@hooks.example.org/a", "Notifications:Webhooks:0:Url")]
    [InlineData("Notifications:Webhooks:0:Events", "experiment.done", "Notifications:Webhooks:0:Events")]
    [InlineData("Notifications:Webhooks:0:Events:0", "test", "Notifications:Webhooks:0:Events:0")]
    [InlineData("Notifications:Webhooks:0:Headers:Content-Type", "text/plain", "Notifications:Webhooks:0:Headers:Content-Type")]
    [InlineData("Notifications:Webhooks:0:Headers:Bad Name", "x", "Notifications:Webhooks:0:Headers:Bad Name")]
    [InlineData("Notifications:Email:Enabled", "sometimes", "Notifications:Email:Enabled")]
    [InlineData("Notifications:Email:Enabled", "true", "Notifications:Email:To")]
    [InlineData("Notifications:Email:To", "ops@example.org\nBcc: everyone@example.org", "Notifications:Email:To")]
    [InlineData("Notifications:Email:To:1", "Ops <ops@example.org>", "Notifications:Email:To:1")]
    [InlineData("Notifications:Email:From", "a b@example.org", "Notifications:Email:From")]
    [InlineData("Notifications:Email:Sendmail", "sendmail", "Notifications:Email:Sendmail")]
    [InlineData("Notifications:Email:Smtp", "mail.example.org", "Notifications:Email:Smtp")]
    public void A_bad_setting_is_named_in_the_error(string key, string value, string named)
    {
        var values = new List<(string, string)> { (key, value) };
        if (key.StartsWith("Notifications:Webhooks:0:", StringComparison.Ordinal) && !key.EndsWith(":Url", StringComparison.Ordinal)
            && !key.EndsWith(":Name", StringComparison.Ordinal))
        {
            values.Add(("Notifications:Webhooks:0:Url", "http://127.0.0.1:9000/hook"));
        }

        var errors = Errors([.. values]);
        Assert.Contains(errors, e => e.StartsWith(named, StringComparison.Ordinal));
    }

    [Fact]
    public void Enabled_email_needs_an_executable_sendmail()
    {
        var errors = Errors(("Notifications:Email:Enabled", "true"), ("Notifications:Email:To", "ops@example.org"),
            ("Notifications:Email:Sendmail", "/nonexistent/sendmail"));
        Assert.Contains(errors, e => e.StartsWith("Notifications:Email:Sendmail", StringComparison.Ordinal)
            && e.Contains("/nonexistent/sendmail", StringComparison.Ordinal));
    }

    [Fact]
    public void Errors_about_a_webhook_never_repeat_its_address_or_header_values()
    {
        var errors = Errors(
            ("Notifications:Webhooks:0:Url", $"htp://hooks.example.org/{Secret}"),
            ("Notifications:Webhooks:1:Url", "https://hooks.example.org/a"),
            ("Notifications:Webhooks:1:Headers:X-Token", $"{Secret}\r\nX-Injected: 1"));
        Assert.Equal(2, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("Notifications:Webhooks:0:Url", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Notifications:Webhooks:1:Headers:X-Token", StringComparison.Ordinal));
        Assert.All(errors, e => Assert.DoesNotContain(Secret, e));
    }

    [Fact]
    public void The_same_webhook_twice_is_refused()
    {
        var errors = Errors(("Notifications:Webhooks:0:Url", "https://hooks.example.org/a"),
            ("Notifications:Webhooks:1:Url", "https://hooks.example.org/a"));
        Assert.Contains(errors, e => e.StartsWith("Notifications:Webhooks:1:Url", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("https://hooks.slack.com/services/T/B/X", "https://hooks.slack.com/***")]
    [InlineData("https://chat.example.org:8065/hooks/abc?x=1", "https://chat.example.org:8065/***")]
    [InlineData("http://127.0.0.1:9000/", "http://127.0.0.1:9000/")]
    public void A_webhook_address_is_shown_without_its_path_query_or_user(string url, string shown) =>
        Assert.Equal(shown, WebhookTarget.Mask(new Uri(url)));

    [Theory]
    [InlineData("ops@example.org", true)]
    [InlineData("alice", true)]
    [InlineData("first.last+tag@sub.example.org", true)]
    [InlineData("a@b@c", false)]
    [InlineData("ops@example.org\r\nBcc: x@y", false)]
    [InlineData("\"ops\"@example.org", false)]
    [InlineData("", false)]
    public void Only_plain_addresses_and_user_names_are_recipients(string text, bool ok) =>
        Assert.Equal(ok, EmailTarget.IsAddress(text));
}
