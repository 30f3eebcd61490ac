namespace Kinde.Migration.Auth0.Reading;

/// <summary>Thrown when an input cannot be read at all (for example it is PGP-encrypted or not an export).</summary>
/// <remarks>Per-record problems are never thrown; they come back as <see cref="ExportReadError"/> values.</remarks>
public sealed class ExportFormatException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="ExportFormatException"/> class.</summary>
    public ExportFormatException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ExportFormatException"/> class.</summary>
    /// <param name="message">What is wrong and what to do about it.</param>
    public ExportFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ExportFormatException"/> class.</summary>
    /// <param name="message">What is wrong and what to do about it.</param>
    /// <param name="innerException">The underlying failure.</param>
    public ExportFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
