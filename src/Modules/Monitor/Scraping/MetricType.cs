namespace Aibench.Monitor.Scraping;

internal enum MetricType { Untyped, Counter, Gauge, Histogram, Summary }
