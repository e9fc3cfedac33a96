using ComfyDoctor.Core.Audit;

namespace ComfyDoctor.Core.Tests.Audit;

public sealed class AuditChainTests
{
    private static List<AuditEntry> Chain(int count)
    {
        var records = new List<AuditEntry>();
        var prev = AuditChain.Genesis;
        for (var seq = 1; seq <= count; seq++)
        {
            var hash = AuditChain.Hash(seq, 1000 + seq, "admin", "scan.request", $"gpu-{seq}", "deep=false", "ok", prev);
            records.Add(new AuditEntry(seq, 1000 + seq, "admin", "scan.request", $"gpu-{seq}", "deep=false", "ok", prev, hash));
            prev = hash;
        }

        return records;
    }

    [Fact]
    public void An_intact_chain_verifies() => Assert.Null(AuditChain.Verify(Chain(5)));

    [Fact]
    public void An_edited_record_is_detected()
    {
        var records = Chain(5);
        records[2] = records[2] with { Outcome = "failed" };
        Assert.Equal("record 3 was edited: its content does not match its hash", AuditChain.Verify(records));
    }

    [Fact]
    public void A_deleted_record_is_detected()
    {
        var records = Chain(5);
        records.RemoveAt(2);
        Assert.Contains("record 4 follows record 2", AuditChain.Verify(records), StringComparison.Ordinal);
    }

    [Fact]
    public void Reordered_records_are_detected()
    {
        var records = Chain(5);
        (records[1], records[2]) = (records[2], records[1]);
        Assert.NotNull(AuditChain.Verify(records));
    }

    [Fact]
    public void Line_breaks_in_fields_cannot_forge_a_record()
    {
        // "a\nb" + "c" and "a" + "b\nc" must not hash alike: fields are JSON-escaped, not joined.
        Assert.NotEqual(
            AuditChain.Hash(1, 1, "a\nb", "c", "t", "p", "o", AuditChain.Genesis),
            AuditChain.Hash(1, 1, "a", "b\nc", "t", "p", "o", AuditChain.Genesis)
        );
    }
}
