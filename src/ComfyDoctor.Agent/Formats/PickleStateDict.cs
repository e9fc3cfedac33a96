using ComfyDoctor.Core.Architecture;

namespace ComfyDoctor.Agent.Formats;

/// <summary>A dict the scan builds (<c>EMPTY_DICT</c>, <c>DICT</c>, <c>collections.OrderedDict()</c>): its string keys whose values are
/// tensors or dicts.</summary>
internal sealed class PickleDict
{
    public List<(string Key, object Value)> Entries { get; } = [];
}

/// <summary>A tensor rebuilt by a <c>torch._utils._rebuild_*</c> call; <see cref="Shape"/> null when the call does not show its
/// size.</summary>
internal sealed record PickleTensor(IReadOnlyList<long>? Shape);

/// <summary>
/// The state dict of a file's pickles, gathered while the scan walks them (no other read): every dict entry whose key
/// is a string and whose value is a tensor or a dict, within <see cref="MaxNames"/> entries and <see cref="MaxChars"/>
/// characters of keys for the whole file. The root of the first top-level pickle that holds tensors is the file's; as
/// ComfyUI's and spandrel's loaders do, a wrapping entry (<see cref="Wrappers"/>) is taken when it has one. Nested dicts give dotted
/// names (<c>string_to_param.*</c>), as the flattened safetensors files of the same models name them.
/// </summary>
internal sealed class PickleStateDict
{
    public const int MaxNames = 100_000;
    public const long MaxChars = 16L << 20;
    private const int MaxNesting = 8;
    private int _names;
    private long _chars;
    private PickleDict? _root;

    /// <summary>
    /// Entries that hold the weights in a wrapping dict, tried in this order: <c>state_dict</c> (ComfyUI's
    /// <c>load_torch_file</c>, Lightning), then the keys spandrel unwraps for upscalers (<c>params_ema</c>, <c>params</c>…).
    /// </summary>
    private static readonly string[] Wrappers = ["state_dict", "params_ema", "params-ema", "params", "model", "net"];

    /// <summary>Records <c>dict[key] = value</c> when the scan can see both and the budget allows.</summary>
    public void Set(object? dict, object? key, object? value)
    {
        if (
            dict is not PickleDict d
            || key is not string name
            || value is not (PickleTensor or PickleDict)
            || _names >= MaxNames
            || _chars + name.Length > MaxChars
        )
        {
            return;
        }

        _names++;
        _chars += name.Length;
        d.Entries.Add((name, value));
    }

    /// <summary>What a top-level pickle left at its <c>STOP</c>: the file's state dict unless one was found before.</summary>
    public void Offer(object? root)
    {
        if (_root is null && root is PickleDict dict && Flatten(dict).Count > 0)
        {
            _root = dict;
        }
    }

    /// <summary>The state dict's tensors, names flattened with dots; empty when the file had none the scan could see.</summary>
    public IReadOnlyList<TensorInfo> Tensors()
    {
        if (_root is null)
        {
            return [];
        }

        foreach (var key in Wrappers)
        {
            if (_root.Entries.FirstOrDefault(e => e.Key == key).Value is PickleDict inner && Flatten(inner) is { Count: > 0 } tensors)
            {
                return tensors;
            }
        }

        return Flatten(_root);
    }

    private static List<TensorInfo> Flatten(PickleDict dict)
    {
        var found = new List<TensorInfo>();
        Walk(dict, "", found, [], 0);
        return found;
    }

    private static void Walk(PickleDict dict, string prefix, List<TensorInfo> found, HashSet<PickleDict> path, int depth)
    {
        if (depth > MaxNesting || !path.Add(dict))
        {
            return; // a dict inside itself (through the memo) or absurdly deep
        }

        foreach (var (key, value) in dict.Entries)
        {
            if (found.Count >= MaxNames)
            {
                break;
            }

            if (value is PickleTensor tensor)
            {
                found.Add(new TensorInfo(prefix + key, tensor.Shape));
            }
            else if (value is PickleDict inner)
            {
                Walk(inner, prefix + key + ".", found, path, depth + 1);
            }
        }

        path.Remove(dict);
    }
}
