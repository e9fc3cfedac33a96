namespace ComfyDoctor.Agent.Transfers;

/// <summary>
/// A buffer whose start is aligned to <see cref="DirectWrites.Alignment"/>, as <c>O_DIRECT</c> requires: a slice of an array
/// on the pinned object heap, so its address never moves. A transfer holds two for its lifetime (they are not pooled).
/// </summary>
internal sealed class AlignedBlock
{
    private readonly byte[] _array;
    private readonly int _start;

    public AlignedBlock(int size)
    {
        _array = GC.AllocateUninitializedArray<byte>(size + DirectWrites.Alignment, pinned: true);
        _start = DirectWrites.Alignment - (int)(AddressOf(_array) % DirectWrites.Alignment);
        Size = size;
    }

    public int Size { get; }

    public Memory<byte> Memory => _array.AsMemory(_start, Size);

    private static unsafe long AddressOf(byte[] pinned)
    {
        fixed (byte* start = pinned)
        {
            return (long)start;
        }
    }
}
