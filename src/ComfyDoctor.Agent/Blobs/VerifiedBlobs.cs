using System.Collections.Concurrent;
using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Agent.Blobs;

/// <summary>
/// The model files this agent's latest scan hashed, by SHA-256: the only files it serves to peers. A file is served only
/// while its size and modification time are what they were when it was hashed; the receiver verifies the hash again.
/// A file whose path is not valid UTF-8 is never served (its text does not name it; a peer has another copy or a source).
/// </summary>
public sealed class VerifiedBlobs
{
    private volatile ConcurrentDictionary<string, ModelFile> _bySha = new(StringComparer.Ordinal);

    public void Update(WorkerInventory inventory)
    {
        var next = new ConcurrentDictionary<string, ModelFile>(StringComparer.Ordinal);
        foreach (var model in inventory.Models)
        {
            if (model.Sha256 is { Length: 64 } sha && model.RawPath is null) // a path that is not UTF-8 is not served
            {
                next.TryAdd(sha.ToLowerInvariant(), model);
            }
        }

        _bySha = next;
    }

    /// <summary>The file for a hash, opened for reading, or why not (null stream).</summary>
    public (FileStream? Stream, string Problem) Open(string sha256)
    {
        if (!_bySha.TryGetValue(sha256.ToLowerInvariant(), out var model))
        {
            return (null, "this worker holds no verified copy of that hash");
        }

        var stamp = Hashing.FileStamp.TryOf(model.Path);
        if (stamp is null || stamp.Value.Size != model.Size || stamp.Value.ModifiedAt != model.ModifiedAt)
        {
            return (null, "the file changed since it was verified; it is served again after the next scan");
        }

        return (new FileStream(model.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan), "");
    }
}
