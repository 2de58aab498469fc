//! yingji-monitoring
