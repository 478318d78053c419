"""The reservation service: seat holds, the booking saga and the cancellation saga."""
