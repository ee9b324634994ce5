namespace Doppel.Models.Onnx;

/// <summary>
/// One dimension of a declared graph input or output: a fixed size or a symbolic name such as
/// <c>"N"</c> for the batch. Converts implicitly from <see cref="long"/>/<see cref="int"/> and
/// <see cref="string"/> so shapes read naturally: <c>["N", 3, 150, 150]</c>.
/// </summary>
public readonly record struct OnnxDim
{
    public long? Value { get; }
    public string? Symbol { get; }

    private OnnxDim(long? value, string? symbol)
    {
        Value = value;
        Symbol = symbol;
    }

    public static OnnxDim Fixed(long value) =>
        value >= 0 ? new OnnxDim(value, null) : throw new ArgumentOutOfRangeException(nameof(value), value, "A fixed dimension must be >= 0.");

    public static OnnxDim Symbolic(string name) =>
        string.IsNullOrWhiteSpace(name) ? throw new ArgumentException("A symbolic dimension needs a name.", nameof(name)) : new OnnxDim(null, name);

    public bool IsSymbolic => Symbol is not null;

    public static implicit operator OnnxDim(long value) => Fixed(value);
    public static implicit operator OnnxDim(int value) => Fixed(value);
    public static implicit operator OnnxDim(string symbol) => Symbolic(symbol);

    public override string ToString() => Symbol ?? Value?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?";
}
