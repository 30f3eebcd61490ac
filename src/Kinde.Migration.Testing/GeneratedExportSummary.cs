namespace Kinde.Migration.Testing;

/// <summary>What one <see cref="Auth0ExportGenerator"/> write produced.</summary>
/// <param name="UsersWritten">User records written (0 for a password-hash file).</param>
/// <param name="HashesWritten">Password-hash records written (0 for a user file).</param>
/// <param name="BytesWritten">Size of the file on disk, in bytes (compressed size when gzipped).</param>
/// <param name="UncompressedBytes">Size of the content before compression, in bytes (equals
/// <paramref name="BytesWritten"/> when the file is not gzipped).</param>
public sealed record GeneratedExportSummary(long UsersWritten, long HashesWritten, long BytesWritten, long UncompressedBytes);
