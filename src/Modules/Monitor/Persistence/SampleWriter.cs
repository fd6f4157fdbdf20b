using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Monitor.Persistence;

/// <summary>Identity of a series as the scraper sees it.</summary>
internal readonly record struct SeriesKey(Guid? ServiceId, Guid? ExperimentId, string Name, string Labels);

/// <summary>A value to store.</summary>
internal readonly record struct NewSample(SeriesKey Series, long TimestampMs, double Value);

/// <summary>
/// Series ids of this process, so a steady scrape inserts only samples. Cleared whenever series may have been deleted
/// (retention), so a stale id is never used.
/// </summary>
internal sealed class SeriesCache
{
    private readonly ConcurrentDictionary<SeriesKey, long> _ids = new();

    public bool TryGet(SeriesKey key, out long id) => _ids.TryGetValue(key, out id);

    public void Set(SeriesKey key, long id) => _ids[key] = id;

    public void Clear() => _ids.Clear();
}

/// <summary>Adds samples to a context, creating the series they belong to first; the caller saves.</summary>
internal sealed class SampleWriter(SeriesCache cache)
{
    public async Task AddAsync(MonitorDbContext db, IReadOnlyList<NewSample> samples, CancellationToken ct)
    {
        var missing = samples.Select(s => s.Series).Distinct().Where(k => !cache.TryGet(k, out _)).ToList();
        if (missing.Count > 0)
        {
            var names = missing.Select(k => k.Name).Distinct().ToList();
            var existing = await db.Series.AsNoTracking().Where(s => names.Contains(s.Name))
                .Select(s => new { s.Id, s.ServiceId, s.ExperimentId, s.Name, s.Labels })
                .ToListAsync(ct);
            foreach (var s in existing)
            {
                cache.Set(new SeriesKey(s.ServiceId, s.ExperimentId, s.Name, s.Labels), s.Id);
            }

            var added = missing.Where(k => !cache.TryGet(k, out _))
                .Select(k => (Key: k, Row: new MetricSeries { ServiceId = k.ServiceId, ExperimentId = k.ExperimentId, Name = k.Name,
                    Labels = k.Labels }))
                .ToList();
            if (added.Count > 0)
            {
                db.Series.AddRange(added.Select(a => a.Row));
                await db.SaveChangesAsync(ct);
                foreach (var (key, row) in added)
                {
                    cache.Set(key, row.Id);
                }
            }
        }

        foreach (var sample in samples)
        {
            cache.TryGet(sample.Series, out var id);
            db.Samples.Add(new MetricSample { SeriesId = id, TimestampMs = sample.TimestampMs, Value = sample.Value });
        }
    }
}
