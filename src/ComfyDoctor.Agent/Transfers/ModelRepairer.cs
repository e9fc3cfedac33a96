using System.Diagnostics;
using ComfyDoctor.Agent.Models;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Models;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Repair;

namespace ComfyDoctor.Agent.Transfers;

/// <summary>
/// Carries out one planned <c>sync-model</c> action: the destination is the file ComfyUI would load (else the first root
/// of the identity's folder key), confined to its root; the plan's sources are tried in order, each through
/// <see cref="VerifiedDownloader"/>, until one yields the registry's hash. Every failed source is kept with its reason.
/// </summary>
public sealed class ModelRepairer(VerifiedDownloader downloader, Quarantine quarantine, SourceLocator locator, TransferLimits limits)
{
    /// <summary>Where the action's model will be written, or why it cannot be.</summary>
    public static string Destination(string identity, WorkerInventory inventory) => Place(identity, inventory).Path;

    /// <summary>The destination and the root it must stay inside.</summary>
    private static (string Path, string Root) Place(string identity, WorkerInventory inventory)
    {
        var parsed = ModelIdentity.Parse(identity);
        var root = ModelPlacement.RootFor(parsed, inventory)
            ?? throw new InvalidDataException($"{identity}: no model root for the folder key '{parsed.FolderKey}'");
        return (ModelPaths.Resolve(root, parsed), root.Path);
    }

    public async Task<ActionResult> SyncAsync(
        PlannedAction action,
        WorkerInventory inventory,
        IProgress<TransferProgress>? progress,
        Action<ModelSource>? trying,
        CancellationToken ct
    )
    {
        var started = Stopwatch.GetTimestamp();
        var entry = action.Model ?? throw new ArgumentException("a sync-model action carries its registry entry", nameof(action));
        var before = inventory.Models.FirstOrDefault(m => m.Identity == entry.Identity)?.Sha256;
        string destination,
            root;
        try
        {
            (destination, root) = Place(entry.Identity, inventory);
        }
        catch (InvalidDataException e)
        {
            return Result(ActionStates.Failed, null, e.Message, []);
        }

        var attempts = new List<string>();
        foreach (var source in action.Sources)
        {
            foreach (var candidate in locator.Locate(source))
            {
                trying?.Invoke(source);
                var failure = await limits.InSourceTurnAsync(
                    source.Kind + ":" + source.Name,
                    async () =>
                    {
                        try
                        {
                            await downloader.DownloadAsync(
                                candidate,
                                new TransferTarget(destination, entry.Sha256, entry.Size) { Root = root },
                                quarantine,
                                progress,
                                ct
                            );
                            return null;
                        }
                        catch (TransferException e)
                        {
                            return e.Message;
                        }
                    },
                    ct
                );
                if (failure is null)
                {
                    return Result(ActionStates.Done, source, $"verified copy from {Describe(source)} at {destination}", attempts);
                }

                attempts.Add($"{Describe(source)}: {failure}");
            }
        }

        return Result(ActionStates.Failed, null, $"every source failed ({attempts.Count}); {destination} was not changed", attempts);

        ActionResult Result(string outcome, ModelSource? source, string message, IReadOnlyList<string> tried) =>
            new(
                action.Kind,
                action.Subject,
                outcome,
                source is null ? null : Describe(source),
                before,
                outcome == ActionStates.Done ? entry.Sha256.ToLowerInvariant() : null,
                message,
                tried,
                (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds
            );
    }

    private static string Describe(ModelSource source) =>
        source.Kind == ModelSourceKinds.Peer ? $"worker {source.Name}" : $"{source.Kind} {source.Name}";
}
