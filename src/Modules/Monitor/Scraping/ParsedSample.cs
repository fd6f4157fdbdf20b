namespace Aibench.Monitor.Scraping;

/// <summary>
/// One sample: metric name as written (e.g. vllm:time_to_first_token_seconds_bucket), labels in canonical text form
/// sorted by label name with values escaped (e.g. {le="0.5",model_name="m"}; "" when none), value, optional timestamp
/// (ms since epoch).
/// </summary>
internal readonly record struct ParsedSample(string Name, string Labels, double Value, long? TimestampMs);
