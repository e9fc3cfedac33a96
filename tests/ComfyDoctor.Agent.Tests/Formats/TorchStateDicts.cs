namespace ComfyDoctor.Agent.Tests.Formats;

/// <summary>
/// The pickles <c>torch.save</c> writes (protocol 2) for state dicts of given tensor names and shapes: an
/// <c>OrderedDict</c> filled by SETITEMS in batches of 1,000, each value <c>_rebuild_tensor_v2(storage, 0, size,
/// stride, False, OrderedDict())</c> with the storage a persistent id; wrapped in a plain dict where a file wraps it.
/// </summary>
internal static class TorchStateDicts
{
    /// <summary>The state dict alone, as data.pkl or a raw pickle holds it.</summary>
    public static byte[] Of(IEnumerable<(string Name, long[] Shape)> tensors) =>
        StateDict(new PickleBuilder().Proto(2), tensors).Stop().ToBytes();

    /// <summary>
    /// The state dict with each tensor as torch writes one that carries Python attributes:
    /// <c>torch._tensor._rebuild_from_type_v2(_rebuild_tensor_v2, torch.Tensor, (its arguments), {})</c>.
    /// </summary>
    public static byte[] OfSubclassed(IEnumerable<(string Name, long[] Shape)> tensors) =>
        StateDict(new PickleBuilder().Proto(2), tensors, subclass: true).Stop().ToBytes();

    /// <summary><c>{wrapper: state_dict, "global_step": 470000}</c>, as Lightning (<c>state_dict</c>) or BasicSR (<c>params_ema</c>)
    /// save.</summary>
    public static byte[] Wrapped(string wrapper, IEnumerable<(string Name, long[] Shape)> tensors) =>
        StateDict(new PickleBuilder().Proto(2).Raw((byte)'}').Mark().BinUnicode(wrapper), tensors)
            .BinUnicode("global_step")
            .BinInt(470_000)
            .Raw((byte)'u')
            .Stop()
            .ToBytes();

    /// <summary>
    /// A textual-inversion embedding as AUTOMATIC1111 saves it: <c>string_to_token</c> and <c>string_to_param</c> dicts
    /// keyed <c>*</c> (the vectors an <c>nn.Parameter</c>), with its name and training step.
    /// </summary>
    public static byte[] Embedding(long vectors, long width) =>
        Tensor(
                new PickleBuilder()
                    .Proto(2)
                    .Raw((byte)'}')
                    .Mark()
                    .BinUnicode("string_to_token")
                    .Raw((byte)'}')
                    .BinUnicode("*")
                    .BinInt(265)
                    .Raw((byte)'s')
                    .BinUnicode("string_to_param")
                    .Raw((byte)'}')
                    .BinUnicode("*")
                    .Global("torch._utils", "_rebuild_parameter"),
                0,
                [vectors, width]
            )
            .Raw(0x88)
            .Global("collections", "OrderedDict")
            .EmptyTuple()
            .Reduce()
            .Raw(0x87)
            .Reduce()
            .Raw((byte)'s')
            .BinUnicode("name")
            .BinUnicode("my-style")
            .BinUnicode("step")
            .BinInt(3000)
            .Raw((byte)'u')
            .Stop()
            .ToBytes();

    public static PickleBuilder StateDict(PickleBuilder pickle, IEnumerable<(string Name, long[] Shape)> tensors, bool subclass = false)
    {
        pickle.Global("collections", "OrderedDict").EmptyTuple().Reduce();
        var key = 0;
        foreach (var batch in tensors.Chunk(1000))
        {
            pickle.Mark();
            foreach (var (name, shape) in batch)
            {
                if (subclass)
                {
                    pickle
                        .BinUnicode(name)
                        .Global("torch._tensor", "_rebuild_from_type_v2")
                        .Mark()
                        .Global("torch._utils", "_rebuild_tensor_v2")
                        .Global("torch", "Tensor");
                    Arguments(pickle, key++, shape).Raw((byte)'}').Tuple().Reduce();
                }
                else
                {
                    Tensor(pickle.BinUnicode(name), key++, shape);
                }
            }

            pickle.Raw((byte)'u');
        }

        return pickle;
    }

    private static PickleBuilder Tensor(PickleBuilder pickle, int key, long[] shape) =>
        Arguments(pickle.Global("torch._utils", "_rebuild_tensor_v2"), key, shape).Reduce();

    /// <summary>The argument tuple of <c>_rebuild_tensor_v2</c>: (storage, offset, size, stride, requires_grad, hooks).</summary>
    private static PickleBuilder Arguments(PickleBuilder pickle, int key, long[] shape)
    {
        var stride = shape.Select((_, i) => shape.Skip(i + 1).Aggregate(1L, (a, d) => a * d)).ToArray();
        pickle
            .Mark()
            .Mark()
            .BinUnicode("storage")
            .Global("torch", "HalfStorage")
            .BinUnicode(key.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .BinUnicode("cpu")
            .BinInt(shape.Aggregate(1L, (a, d) => a * d))
            .Tuple()
            .Raw((byte)'Q')
            .BinInt(0);
        Ints(pickle, shape);
        Ints(pickle, stride);
        return pickle.Raw(0x89).Global("collections", "OrderedDict").EmptyTuple().Reduce().Tuple();
    }

    /// <summary>A tuple of integers as Python writes it: EMPTY_TUPLE, TUPLE1–3, or MARK … TUPLE.</summary>
    private static void Ints(PickleBuilder pickle, long[] values)
    {
        if (values.Length > 3)
        {
            pickle.Mark();
        }

        foreach (var value in values)
        {
            pickle.BinInt(value);
        }

        _ = values.Length switch
        {
            0 => pickle.EmptyTuple(),
            1 => pickle.Tuple1(),
            2 => pickle.Raw(0x86),
            3 => pickle.Raw(0x87),
            _ => pickle.Tuple(),
        };
    }
}
