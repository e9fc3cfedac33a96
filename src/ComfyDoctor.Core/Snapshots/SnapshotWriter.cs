namespace ComfyDoctor.Core.Snapshots;

/// <summary>
/// Writes a snapshot as ComfyUI-Manager writes one (<see cref="SnapshotFormats.Manager"/>: the five fields in its order,
/// byte-compatible with <c>json.dump(snapshot, f, indent=4)</c>, restorable by Manager and comfy-cli) or as ours
/// (<see cref="SnapshotFormats.ComfyDoctor"/>: <c>format</c> first, the same five fields, then <c>models</c>; Manager ignores the
/// fields it does not know, so it restores our files too).
/// </summary>
public static class SnapshotWriter
{
    public static string Write(Snapshot snapshot, string format)
    {
        var ours = format switch
        {
            SnapshotFormats.Manager => false,
            SnapshotFormats.ComfyDoctor => true,
            _ => throw new ArgumentException(
                $"format: '{format}' is not one of {string.Join(", ", SnapshotFormats.Names)}",
                nameof(format)
            ),
        };
        var json = new PythonJson().Open('{');
        if (ours)
        {
            json.Key("format").Value(SnapshotFormats.ComfyDoctorTag);
        }

        json.Key("comfyui").Value(snapshot.ComfyUi);
        json.Key("git_custom_nodes").Open('{');
        foreach (var pack in snapshot.GitPacks)
        {
            json.Key(pack.Url).Open('{').Key("hash").Value(pack.Hash).Key("disabled").Value(pack.Disabled).Close('}');
        }

        json.Close('}').Key("cnr_custom_nodes").Open('{');
        foreach (var pack in snapshot.CnrPacks)
        {
            json.Key(pack.Id).Value(pack.Version);
        }

        json.Close('}').Key("file_custom_nodes").Open('[');
        foreach (var file in snapshot.FilePacks)
        {
            json.Item().Open('{').Key("filename").Value(file.FileName).Key("disabled").Value(file.Disabled).Close('}');
        }

        json.Close(']').Key("pips").Open('{');
        foreach (var pip in snapshot.Pips)
        {
            json.Key(pip.Key).Value(pip.Value);
        }

        json.Close('}');
        if (ours)
        {
            json.Key("models").Open('[');
            foreach (var model in snapshot.Models ?? [])
            {
                json.Item()
                    .Open('{')
                    .Key("identity")
                    .Value(model.Identity)
                    .Key("sha256")
                    .Value(model.Sha256)
                    .Key("size")
                    .Value(model.Size)
                    .Close('}');
            }

            json.Close(']');
        }

        return json.Close('}').ToString();
    }
}
