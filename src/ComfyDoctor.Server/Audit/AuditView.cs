namespace ComfyDoctor.Server.Audit;

/// <summary>One audit record as the API shows it: <c>at</c> as an instant besides the hashed Unix milliseconds.</summary>
public sealed record AuditView(
    long Seq,
    DateTimeOffset Time,
    long At,
    string Actor,
    string Action,
    string Target,
    string Parameters,
    string Outcome,
    string PrevHash,
    string Hash
)
{
    public static AuditView From(AuditRow r) =>
        new(
            r.Seq,
            DateTimeOffset.FromUnixTimeMilliseconds(r.At),
            r.At,
            r.Actor,
            r.Action,
            r.Target,
            r.Parameters,
            r.Outcome,
            r.PrevHash,
            r.Hash
        );
}
