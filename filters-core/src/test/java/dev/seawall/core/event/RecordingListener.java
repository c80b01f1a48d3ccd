package dev.seawall.core.event;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records every event it receives, in order. Thread-safe. */
public class RecordingListener implements SeawallListener {

    public final List<Object> events = new CopyOnWriteArrayList<>();

    @Override
    public void onBreakerTransition(BreakerTransition event) {
        events.add(event);
    }

    @Override
    public void onRefusal(Refusal event) {
        events.add(event);
    }

    @Override
    public void onFallback(FallbackServed event) {
        events.add(event);
    }

    @Override
    public void onTimeout(TimeoutAnswered event) {
        events.add(event);
    }

    @Override
    public void onReload(ConfigReload event) {
        events.add(event);
    }

    @Override
    public void onStoreHealth(StoreHealth event) {
        events.add(event);
    }

    public <T> List<T> of(Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }
}
