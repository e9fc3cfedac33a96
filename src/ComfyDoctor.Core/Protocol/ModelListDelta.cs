using System.Security.Cryptography;
using System.Text.Json;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Reports;

namespace ComfyDoctor.Core.Protocol;

/// <summary>
/// Computes and applies <see cref="InventoryDelta"/>s. Entries are compared by a fingerprint of their whole JSON (a file
/// whose hash, size, time or format check changed is sent again), and the order of the list is kept exactly: ComfyUI
/// loads the first file it finds for a name, so order is meaning.
/// </summary>
public static class ModelListDelta
{
    /// <summary>Compact JSON, the wire's: the digest and fingerprints depend on it, on the agent and on the server alike.</summary>
    private static readonly JsonSerializerOptions Compact = new(ReportJson.Options) { WriteIndented = false };

    /// <summary>An entry as the base remembers it: its key (path) and the SHA-256 of its JSON.</summary>
    public readonly record struct Print(string Key, byte[] Sha256);

    public static Print PrintOf(ModelFile model) => new(KeyOf(model), SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(model, Compact)));

    public static IReadOnlyList<Print> PrintsOf(IReadOnlyList<ModelFile> models) => [.. models.Select(PrintOf)];

    /// <summary>SHA-256 (hex) of the whole list: of its entries' fingerprints, in order.</summary>
    public static string Digest(IEnumerable<Print> prints)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var print in prints)
        {
            hash.AppendData(print.Sha256);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    public static string Digest(IEnumerable<ModelFile> models) => Digest(models.Select(PrintOf));

    /// <summary>
    /// The edit script from <paramref name="base"/> to <paramref name="now"/> (whose fingerprints are <paramref name="prints"/>);
    /// null when it would not be much smaller than the whole list (more than half of the entries new or changed), so the
    /// agent sends the list itself.
    /// </summary>
    public static InventoryDelta? Diff(
        string baseJob,
        IReadOnlyList<Print> @base,
        IReadOnlyList<ModelFile> now,
        IReadOnlyList<Print> prints
    )
    {
        var positions = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < @base.Count; i++)
        {
            positions.TryAdd(@base[i].Key, i);
        }

        var script = new Script();
        var cursor = 0;
        var added = 0;
        for (var n = 0; n < now.Count; n++)
        {
            var print = prints[n];
            if (cursor < @base.Count && Same(@base[cursor], print))
            {
                script.Keep();
                cursor++;
            }
            else if (positions.TryGetValue(print.Key, out var at) && at > cursor && Same(@base[at], print))
            {
                script.Skip(at - cursor);
                script.Keep();
                cursor = at + 1;
            }
            else
            {
                script.Add(now[n]);
                added++;
            }
        }

        return added * 2 > now.Count && now.Count > 0 ? null : new InventoryDelta(baseJob, script.Close(), Digest(prints));
    }

    /// <summary>The list the script builds from <paramref name="base"/>, or why it cannot be built (a script that runs past
    /// the base, a digest that differs: the base is not the one the agent meant).</summary>
    public static DeltaApplied Apply(IReadOnlyList<ModelFile> @base, InventoryDelta delta)
    {
        var models = new List<ModelFile>(@base.Count);
        var cursor = 0;
        foreach (var run in delta.Runs ?? [])
        {
            if (run?.Add is null || run.Add.Any(m => m is null))
            {
                return DeltaApplied.Refused("the change has an empty step");
            }

            if (run.Keep < 0 || run.Skip < 0 || cursor + (long)run.Keep + run.Skip > @base.Count)
            {
                return DeltaApplied.Refused($"the change runs past the {@base.Count:N0} stored models of job {delta.BaseJob}");
            }

            models.AddRange(@base.Skip(cursor).Take(run.Keep));
            cursor += run.Keep + run.Skip;
            models.AddRange(run.Add);
        }

        return string.Equals(Digest(models), delta.ModelsSha256, StringComparison.Ordinal)
            ? new DeltaApplied(models, null)
            : DeltaApplied.Refused($"the models rebuilt from job {delta.BaseJob} do not match the agent's (digest differs)");
    }

    private static string KeyOf(ModelFile model) => model.RawPath ?? model.Path;

    private static bool Same(Print a, Print b) => a.Key == b.Key && a.Sha256.AsSpan().SequenceEqual(b.Sha256);

    /// <summary>Builds runs, merging consecutive keeps, skips and adds.</summary>
    private sealed class Script
    {
        private int _keep;
        private int _skip;
        private List<ModelFile> _add = [];

        public List<DeltaRun> Runs { get; } = [];

        public void Keep()
        {
            if (_skip > 0 || _add.Count > 0)
            {
                Flush();
            }

            _keep++;
        }

        public void Skip(int count)
        {
            if (_add.Count > 0)
            {
                Flush();
            }

            _skip += count;
        }

        public void Add(ModelFile model) => _add.Add(model);

        public List<DeltaRun> Close()
        {
            Flush();
            return Runs;
        }

        private void Flush()
        {
            if (_keep > 0 || _skip > 0 || _add.Count > 0)
            {
                Runs.Add(new DeltaRun(_keep, _skip, _add));
            }

            (_keep, _skip, _add) = (0, 0, []);
        }
    }
}

/// <summary>The rebuilt model list, or why it could not be rebuilt.</summary>
public sealed record DeltaApplied(IReadOnlyList<ModelFile>? Models, string? Problem)
{
    public static DeltaApplied Refused(string problem) => new(null, problem);
}
