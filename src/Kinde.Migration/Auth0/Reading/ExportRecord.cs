namespace Kinde.Migration.Auth0.Reading;

/// <summary>One record read from an export: either a value or an error, with its position.</summary>
/// <typeparam name="T">The record type.</typeparam>
public readonly struct ExportRecord<T>
    where T : class
{
    private ExportRecord(T? value, ExportReadError? error, long position)
    {
        Value = value;
        Error = error;
        Position = position;
    }

    /// <summary>Gets the value, or <see langword="null"/> when the record was rejected.</summary>
    public T? Value { get; }

    /// <summary>Gets the error, or <see langword="null"/> when the record was read.</summary>
    public ExportReadError? Error { get; }

    /// <summary>Gets the 1-based line (JSON) or row (CSV) of the record.</summary>
    public long Position { get; }

    /// <summary>Gets a value indicating whether the record was read.</summary>
    public bool IsSuccess => Value is not null;

    /// <summary>Creates a successful record.</summary>
    /// <param name="value">The value.</param>
    /// <param name="position">Its 1-based line or row.</param>
    /// <returns>The record.</returns>
    public static ExportRecord<T> Success(T value, long position) => new(value ?? throw new ArgumentNullException(nameof(value)), null, position);

    /// <summary>Creates a rejected record.</summary>
    /// <param name="error">Why it was rejected.</param>
    /// <returns>The record.</returns>
    public static ExportRecord<T> Failure(ExportReadError error) => new(null, error ?? throw new ArgumentNullException(nameof(error)), error.Position);
}
