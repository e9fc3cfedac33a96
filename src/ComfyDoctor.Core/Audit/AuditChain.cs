using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace ComfyDoctor.Core.Audit;

/// <summary>The content of one audit record; <see cref="AuditChain"/> links records by hash.</summary>
public sealed record AuditEntry(
    long Seq,
    long At,
    string Actor,
    string Action,
    string Target,
    string Parameters,
    string Outcome,
    string PrevHash,
    string Hash
);

/// <summary>
/// Audit records are hash-chained: each hash is SHA-256 over the canonical JSON of the record's fields and the previous
/// record's hash, so an edited, deleted, inserted or reordered record breaks every hash after it.
/// </summary>
public static class AuditChain
{
    public const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";

    public static string Hash(
        long seq,
        long at,
        string actor,
        string action,
        string target,
        string parameters,
        string outcome,
        string prevHash
    )
    {
        // JSON string escaping makes CR/LF and control characters in fields unambiguous.
        var canonical = JsonSerializer.Serialize(new object[] { seq, at, actor, action, target, parameters, outcome, prevHash });
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    /// <summary>Null when the chain is intact, else what is wrong and where.</summary>
    public static string? Verify(IEnumerable<AuditEntry> records)
    {
        var prev = Genesis;
        long? lastSeq = null;
        foreach (var r in records)
        {
            if (lastSeq is { } last && r.Seq != last + 1)
            {
                return $"record {r.Seq} follows record {last}: a record is missing or out of order";
            }

            if (r.PrevHash != prev)
            {
                return $"record {r.Seq} does not link to the record before it (deleted, inserted or reordered records)";
            }

            if (Hash(r.Seq, r.At, r.Actor, r.Action, r.Target, r.Parameters, r.Outcome, r.PrevHash) != r.Hash)
            {
                return $"record {r.Seq} was edited: its content does not match its hash";
            }

            prev = r.Hash;
            lastSeq = r.Seq;
        }

        return null;
    }
}
