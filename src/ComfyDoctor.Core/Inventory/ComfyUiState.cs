namespace ComfyDoctor.Core.Inventory;

/// <summary>
/// What a fleet listing says about a worker's ComfyUI (issue 19): its version (the checkout's, else the one the environment
/// probe or the running ComfyUI said), its commit and whether tracked files changed. Null fields are unknown.
/// </summary>
public sealed record ComfyUiState(string? Version, string? Commit, bool? Dirty)
{
    public static ComfyUiState Of(WorkerInventory inventory)
    {
        var checkout = inventory.Environment.ComfyUi;
        return new(
            checkout?.Version ?? inventory.Environment.ComfyUiVersion ?? inventory.Live?.ComfyUiVersion,
            checkout?.Commit,
            checkout?.Commit is null ? null : checkout.Dirty
        );
    }

    /// <summary><c>0.3.10 @ abc1234def56</c>, <c>0.3.10 @ abc1234def56 (dirty)</c>, <c>abc1234def56</c>, <c>0.3.10</c>, or
    /// <c>unknown</c>.</summary>
    public string Describe()
    {
        var commit = Commit is null ? null : Commit[..Math.Min(12, Commit.Length)] + (Dirty == true ? " (dirty)" : "");
        return (Version, commit) switch
        {
            (null, null) => "unknown",
            ({ } v, null) => v,
            (null, { } c) => c,
            ({ } v, { } c) => $"{v} @ {c}",
        };
    }
}
